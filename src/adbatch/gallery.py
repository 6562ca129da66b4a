"""``python -m adbatch.gallery SWEEP_DIR... [--out FILE]``: the command-line name of ``adbatch.report.gallery``."""

import sys

from adbatch.report.gallery import main

if __name__ == "__main__":
    sys.exit(main())
