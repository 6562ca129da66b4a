"""After (and around) a sweep: the report, its statistics and page, progress and status, the dry run.

Kept import-light: Hydra imports ``adbatch.report.callbacks`` at every start, and pandas and
matplotlib load only when a report is actually built.
"""
