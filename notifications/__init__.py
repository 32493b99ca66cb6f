"""Notifications: routing, jinja2 templates, the outbox dispatcher and the weekly digest; the only importer of apprise.

- :mod:`notifications.policy` decides what to send (``check_policy`` for a check run, ``periodic_drafts`` daily,
  ``deadline_drafts`` for reminders);
- :mod:`notifications.dispatch` sends what is due (``dispatch_once``, every minute);
- :mod:`notifications.digest` builds, saves and queues the weekly digest;
- :mod:`notifications.transports` holds apprise and the local file sink; :mod:`notifications.render` the templates.
"""
