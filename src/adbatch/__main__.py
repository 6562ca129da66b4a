"""``python -m adbatch ...``: the Hydra app (see adbatch.app)."""

from adbatch.app import main

if __name__ == "__main__":
    main()
