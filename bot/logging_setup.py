"""Logging for the bot process, with the bot token redacted from every line at every level.

The token is part of every Bot API URL, and httpx logs request URLs; PTB's exceptions may quote
them too. Redaction is done by the formatter, on the finished line, so messages, arguments and
tracebacks are all covered, whichever logger wrote them.
"""
from __future__ import annotations

import logging
import sys

REDACTED = "<token>"


class RedactingFormatter(logging.Formatter):
    """A formatter that replaces each of `secrets` in the formatted record."""

    def __init__(self, secrets: list[str], fmt: str | None = None):
        super().__init__(fmt)
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        for secret in self.secrets:
            line = line.replace(secret, REDACTED)
        return line


class RedactingStreamHandler(logging.StreamHandler):
    """A stream handler that, when it cannot write a line, says so without the line itself.

    logging's own handleError would print the record's message and arguments, unformatted and
    so unredacted, to sys.stderr.
    """

    def handleError(self, record: logging.LogRecord) -> None:
        if not logging.raiseExceptions:
            return
        try:
            kind = type(sys.exc_info()[1]).__name__
            sys.stderr.write(f"--- Logging error: {kind}; a line of {record.name} was dropped ---\n")
        except Exception:  # noqa: BLE001 - nowhere left to report to
            pass


def configure_logging(level: str, secrets: list[str]) -> None:
    """Root logging to stderr through a redacting formatter; httpx kept to warnings."""
    handler = RedactingStreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(secrets, "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    # httpx logs every request URL (which holds the token) at INFO; its warnings are still useful.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
