"""``python -m monitor`` runs the nianbao command line."""

import sys

from monitor.cli import main

sys.exit(main())
