"""``python -m adbatch.status <sweep_dir> [--watch]``: the command-line name of ``adbatch.report.status``."""

import sys

from adbatch.report.status import main

if __name__ == "__main__":
    sys.exit(main())
