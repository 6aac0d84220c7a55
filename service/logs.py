"""Logging that never carries an ID number or a phone number in clear.

The access log (:mod:`service.access_log`) never writes a query string or a body in the first place. This
is the last line behind it, for every logger: each record's message, its arguments, its extra fields, its
traceback and its stack are masked with :func:`matching.redact.mask_personal_numbers`, which finds the
numbers in any spelling (dashed, spaced, full-width, percent-encoded, with ``+86`` or an extra digit). A
line is masked, never dropped.

Records are masked as they are made (a log-record factory), so the rule holds for every logger and every
handler, including handlers added after start (uvicorn's, pytest's); a filter on the service's loggers and
their handlers also masks records made some other way (``logging.makeLogRecord``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from matching.redact import mask_personal_numbers

redact = mask_personal_numbers

_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_TRACEBACKS = logging.Formatter()
_MARK = "_rengang_redacted"


def redact_record(record: logging.LogRecord) -> None:
    """Mask the record in place: its message, traceback and stack once (a record usually meets the filter
    more than once), its extra fields each time (they are set after the record factory has run)."""
    for name, value in list(vars(record).items()):
        if isinstance(value, str) and name not in _STANDARD_ATTRIBUTES:
            setattr(record, name, redact(value))
    if getattr(record, _MARK, False):
        return
    setattr(record, _MARK, True)
    _redact_message(record)
    if record.exc_info and not record.exc_text:
        record.exc_text = _TRACEBACKS.formatException(record.exc_info)
    if record.exc_text:
        cleaned = redact(record.exc_text)
        if cleaned != record.exc_text:
            # Formatters that format exc_info themselves would bring the number back: keep only the text.
            record.exc_text, record.exc_info = cleaned, None
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def _redact_message(record: logging.LogRecord) -> None:
    """Masked text goes back into the arguments where that alone cleans the message, so formatters that
    read the arguments (uvicorn's access log unpacks them) still work; otherwise the record is reduced to
    its masked message."""
    try:
        message = record.getMessage()
    except Exception:  # a broken format string; logging's error report would print the raw arguments
        record.msg, record.args = f"{redact(str(record.msg))} {redact(repr(record.args))}", None
        return
    cleaned = redact(message)
    if cleaned == message:
        return
    if isinstance(record.args, tuple | Mapping):
        original = record.args
        if isinstance(original, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in original)
        else:
            record.args = {k: redact(a) if isinstance(a, str) else a for k, a in original.items()}
        try:
            if record.getMessage() == cleaned:
                return
        except (TypeError, ValueError, KeyError):
            pass
    record.msg, record.args = cleaned, None


class RedactingFilter(logging.Filter):
    """Masks personal numbers in every record it sees (see :func:`redact_record`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


LOGGERS = ("", "rengang", "rengang.access", "uvicorn", "uvicorn.access", "uvicorn.error", "sqlalchemy.engine")


def _install_record_factory() -> None:
    previous = logging.getLogRecordFactory()
    if getattr(previous, _MARK, False):
        return

    def make_record(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        redact_record(record)
        return record

    setattr(make_record, _MARK, True)
    logging.setLogRecordFactory(make_record)


def install_redaction() -> None:
    _install_record_factory()
    redactor = RedactingFilter()
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(redactor)
        for handler in logger.handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(redactor)
