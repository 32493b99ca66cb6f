"""Fault injection for the reliability tests (tests/reliability/): ``NIANBAO_FAULT=<point>`` makes the process kill
itself with SIGKILL when it reaches that point, so a test can stop the crawl, the check or a send exactly between
two of the store's commits — no sleeps, no guessing. Unset (always, outside those tests) it does nothing.
With ``NIANBAO_FAULT_ONCE=<file>`` as well, only the first process to reach the point dies (it creates the file):
several workers started alike, exactly one of them killed, whichever got there first.

The points, one registry for every path:

- ``crawl.after_record`` — the crawler's child, after the first document of the crawl was stored;
- ``check.extraction`` — the check, in the middle of reading a version (its bytes loaded, not yet parsed);
- ``check.after_attribution`` — the check, after a version's body and year were stored, before its findings;
- ``check.after_commit`` — the check, after the first version's report and findings were committed;
- ``after_claim``, ``after_sending``, ``after_send``, ``after_commit`` — the send path of
  :mod:`notifications.dispatch` (claimed; "sending to T" committed; T accepted but not yet recorded; recorded).
"""

from __future__ import annotations

import os
import signal

FAULT_ENV = "NIANBAO_FAULT"
ONCE_ENV = "NIANBAO_FAULT_ONCE"
CRAWL_POINTS = ("crawl.after_record",)
CHECK_POINTS = ("check.extraction", "check.after_attribution", "check.after_commit")
SEND_POINTS = ("after_claim", "after_sending", "after_send", "after_commit")
POINTS = CRAWL_POINTS + CHECK_POINTS + SEND_POINTS


def fault(point: str) -> None:
    """Kill this process with SIGKILL when ``NIANBAO_FAULT`` names ``point`` (tests only)."""
    if os.environ.get(FAULT_ENV) != point:
        return
    once = os.environ.get(ONCE_ENV)
    if once:
        try:
            os.close(os.open(once, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
    os.kill(os.getpid(), signal.SIGKILL)
