"""structlog configuration: readable on a terminal, JSON lines otherwise (journald, files)."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import structlog


def configure_logging(*, level: str = "info", json: bool | None = None) -> None:
    """Configure structlog once, from the CLI. Library modules only call ``get_logger``."""
    if json is None:
        json = not sys.stderr.isatty()
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if json:
        processors += [structlog.processors.dict_tracebacks, structlog.processors.JSONRenderer()]
    else:
        processors += [structlog.dev.ConsoleRenderer()]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    # Libraries (httpx, trafilatura, apscheduler) log through the standard library.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(name)s: %(message)s")
    for noisy in ("trafilatura", "htmldate", "courlan", "charset_normalizer"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    # Dask (replay's engine) configures its loggers when imported, from its configuration:
    # its start-up chatter is INFO. Its warnings stay (a worker that died, restarted).
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
