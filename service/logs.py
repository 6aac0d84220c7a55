"""Logging that never carries an ID number or a phone number in clear."""

from __future__ import annotations

import logging
import re

_ID = re.compile(r"(?<![0-9A-Za-z])(\d{3})\d{11}(\d{3}[\dXx])(?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_CANDIDATE = re.compile(r"\d{11}")  # both patterns above need eleven digits in a row: most lines have none


def redact(text: str) -> str:
    if not _CANDIDATE.search(text):
        return text
    text = _ID.sub(lambda m: f"{m.group(1)}{'*' * 11}{m.group(2)}", text)
    return _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


class RedactingFilter(logging.Filter):
    """Masks personal numbers in each record's final message, once per record.

    It sits on several loggers and their handlers, so a record usually meets it more than once; the
    first pass marks the record. Masked text goes back into the record's arguments where that alone
    cleans the message, so formatters that read the arguments (uvicorn's access log unpacks them) still
    work; otherwise the record is reduced to its masked message.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_rengang_redacted", False):
            return True
        record._rengang_redacted = True
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned == message:
            return True
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
            try:
                if record.getMessage() == cleaned:
                    return True
            except (TypeError, ValueError):
                pass
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
