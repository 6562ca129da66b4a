"""adbatch: a declarative, config-driven batch renderer of short vertical video ads."""

__version__ = "0.1.0"
