"""/brief [N] and /sources."""
from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.config import Settings
from handlers.reply import command_args, core, send_answer


async def brief(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The briefing of the newest (or Nth) document."""
    await send_answer(update, context, core(context, update).answer("brief", command_args(update)))


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The documents in the store."""
    await send_answer(update, context, core(context, update).answer("sources"))


def register(application: Application, settings: Settings) -> None:
    application.add_handler(CommandHandler("brief", brief))
    application.add_handler(CommandHandler("sources", sources))
