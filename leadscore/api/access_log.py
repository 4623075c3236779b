"""JSON log lines for the API server: one object per line, easy for log shippers to parse."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

#: Record attributes copied into the line when a caller passes them with ``extra=``.
EXTRA_FIELDS = ("http",)


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object: time, level, logger, message and any ``http`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in EXTRA_FIELDS:
            if hasattr(record, name):
                line.update(getattr(record, name))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def log_config(level: str = "INFO") -> dict[str, Any]:
    """A logging.config.dictConfig sending every record to stderr as JSON.

    Given to uvicorn, which applies it in each worker process.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "loggers": {"uvicorn": {"handlers": [], "propagate": True},
                    "uvicorn.error": {"handlers": [], "propagate": True}},
        "root": {"handlers": ["stderr"], "level": level},
    }
