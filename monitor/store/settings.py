"""The store's own settings: small named values the service keeps between runs (the rules version its findings
were made with, when the county office's last summary was cut)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from monitor.store.models import Setting

RULES_VERSION = "rules_version"
SUMMARY_SINCE = "county_summary_since"
#: The county's id in its deployment, and the task engine running its work (written at each start).
COUNTY_ID = "county_id"
TASK_ENGINE = "task_engine"


def get_setting(session: Session, key: str) -> str | None:
    """The stored value of ``key``, or None."""
    row = session.get(Setting, key)
    return row.value if row is not None else None


def set_setting(session: Session, key: str, value: str) -> None:
    """Store ``value`` under ``key`` (in the caller's transaction)."""
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
