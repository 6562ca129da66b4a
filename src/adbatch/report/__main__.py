"""``python -m adbatch.report DIR``: (re)build a sweep's report (see ``adbatch.report.report``)."""

import sys

from adbatch.report.report import main

sys.exit(main())
