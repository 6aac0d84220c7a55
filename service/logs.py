"""Logging that never carries an ID number or a phone number in clear."""

from __future__ import annotations

import logging
import re

_ID = re.compile(r"(?<![0-9A-Za-z])(\d{3})\d{11}(\d{3}[\dXx])(?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def redact(text: str) -> str:
    text = _ID.sub(lambda m: f"{m.group(1)}{'*' * 11}{m.group(2)}", text)
    return _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's final message with personal numbers masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


LOGGERS = ("", "rengang", "uvicorn", "uvicorn.access", "uvicorn.error", "sqlalchemy.engine")


def install_redaction() -> None:
    redactor = RedactingFilter()
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(redactor)
        for handler in logger.handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(redactor)
