"""What persists between jobs and sweeps: the asset cache, the spend ledger, resume records, atomic writes."""
