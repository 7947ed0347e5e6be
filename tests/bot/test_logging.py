"""The token never reaches the log: not in messages, arguments, tracebacks, nor httpx's URLs."""
from __future__ import annotations

import logging

from bot.logging_setup import REDACTED, RedactingFormatter, configure_logging

TOKEN = "987654:SECRET-token-value"


def test_formatter_redacts_messages_arguments_and_tracebacks():
    formatter = RedactingFormatter([TOKEN, ""], "%(message)s")
    try:
        raise ValueError(f"POST https://api.telegram.org/bot{TOKEN}/getMe failed")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "calling %s", (f"/bot{TOKEN}/x",), sys.exc_info())
    line = formatter.format(record)
    assert TOKEN not in line
    assert line.count(REDACTED) == 2 and "getMe failed" in line


def test_configured_logging_hides_httpx_urls_and_redacts_everything(capfd):
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("DEBUG", [TOKEN])
        logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot%s/getUpdates", TOKEN)
        logging.getLogger("telegram.ext").debug("token is %s", TOKEN)
        logging.getLogger("httpx").warning("retrying bot%s", TOKEN)
    finally:
        root.handlers[:], root.level = saved
    err = capfd.readouterr().err
    assert "getUpdates" not in err  # httpx INFO is silenced
    assert f"token is {REDACTED}" in err and f"retrying bot{REDACTED}" in err
    assert TOKEN not in err
