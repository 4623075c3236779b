"""JSON log lines for the API server: one object per line, easy for log shippers to parse."""

from __future__ import annotations

import datetime as dt
import json
import logging

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


def configure(level: int = logging.INFO) -> None:
    """Send every log record to stderr as JSON (replaces earlier handlers)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
