"""The token stays out of stderr even when the log handler itself fails to write a line."""
from __future__ import annotations

import io
import logging
import sys

from bot.logging_setup import configure_logging

TOKEN = "555555:LEAK-probe-token"


def test_a_line_the_handler_cannot_write_is_not_dumped_raw_to_stderr(monkeypatch):
    """logging's default handleError prints the record's message and arguments, unformatted (so
    unredacted), to sys.stderr; here the handler's stream is closed while sys.stderr still works."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    broken, visible = io.StringIO(), io.StringIO()
    try:
        monkeypatch.setattr(sys, "stderr", broken)
        configure_logging("DEBUG", [TOKEN])
        broken.close()
        monkeypatch.setattr(sys, "stderr", visible)
        logging.getLogger("telegram.ext.ExtBot").debug("Set Bot API URL: http://x/bot%s", TOKEN)
    finally:
        root.handlers[:], root.level = saved
    out = visible.getvalue()
    assert "Logging error" in out and "telegram.ext.ExtBot" in out  # the failure is still reported
    assert TOKEN not in out and TOKEN.split(":")[1] not in out
