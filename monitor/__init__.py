"""monitor: alerts when a news outlet reports a new attack on a tracked military base."""

__version__ = "0.1.0"
