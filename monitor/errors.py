"""The one small exception hierarchy of monitor.

Foreign exceptions (httpx, SQLAlchemy, YAML) are mapped to these at the adapter that calls the
library, with ``raise X(...) from exc``. Messages start with the module that raised them. A record
that a stage declines is not an error: it is a ``records.Rejected`` value.
"""

from __future__ import annotations


class MonitorError(Exception):
    """Base of every error monitor raises on purpose; the CLI prints it as one line."""


class ConfigError(MonitorError):
    """The configuration (file, environment or rules) is invalid."""


class CorpusError(MonitorError):
    """A replay corpus file cannot be read."""


class FetchError(MonitorError):
    """A feed or page could not be fetched."""

    def __init__(
        self,
        message: str,
        *,
        transient: bool,
        retry_after_s: float | None = None,
        refused: bool = False,
    ) -> None:
        super().__init__(message)
        self.transient = transient
        self.retry_after_s = retry_after_s  # what the server asked for (429/503 Retry-After)
        self.refused = refused  # the URL must not be fetched at all (scheme, address)


class FeedParseError(MonitorError):
    """A fetched document is not a feed."""


class StoreError(MonitorError):
    """The database refused or failed an operation."""


class DeliveryError(MonitorError):
    """A webhook did not accept an alert."""
