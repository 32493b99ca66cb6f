"""A dispatcher process for the restart tests: ``python -m tests.notifications.dispatch_child DB CONFIG NOW``.

Opens the database afresh (nothing shared with the test process but the SQLite file), runs one pass at the given
time and prints its counters as JSON.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime

from monitor.config import load_config
from monitor.store import Database
from notifications.dispatch import dispatch_once


def main(argv: list[str]) -> int:
    url, config_path, now = argv
    database = Database(url)
    try:
        stats = dispatch_once(database, load_config(config_path), datetime.fromisoformat(now), worker="child")
    finally:
        database.dispose()
    print(json.dumps(stats.as_dict()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
