"""The monitor: command line (and, later, configuration, store, jobs and the service)."""
