"""The one error handler: log the failure with its update, tell the user without internals."""
from __future__ import annotations

import json
import logging

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.config import Settings
from bot.i18n import N_
from handlers.reply import language

log = logging.getLogger(__name__)
SORRY = N_("Sorry, something went wrong on my side. Please try again in a moment.")


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log first (the formatter redacts the token), then apologise where the update came from."""
    described = json.dumps(update.to_dict(), ensure_ascii=False)[:2000] if isinstance(update, Update) else repr(update)
    log.error("Error while handling update %s", described, exc_info=context.error)
    if not isinstance(update, Update):
        return
    try:
        sorry = language(update, context)._(SORRY)
        if update.callback_query:
            await update.callback_query.answer(sorry, show_alert=True)
        elif update.effective_message and update.effective_chat:
            await update.effective_message.reply_text(sorry)
    except Exception:  # telling the user is best effort: the error itself is already logged
        log.warning("Could not tell the user about the error", exc_info=True)


def register(application: Application, settings: Settings) -> None:
    application.add_error_handler(on_error)
