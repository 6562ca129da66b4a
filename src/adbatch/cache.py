"""``python -m adbatch.cache stats|prune``: the command-line name of ``adbatch.store.housekeeping``."""

from adbatch.store.housekeeping import main

if __name__ == "__main__":
    main()
