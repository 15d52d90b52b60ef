"""The package's version, below every layer so any of them may name it (snapshots, reports)."""

__version__ = "0.1.0"
