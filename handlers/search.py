"""/search and its paging buttons."""
from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.config import Settings
from handlers.reply import command_args, core, edit_answer, send_answer


async def search(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Paragraphs matching the words, best first, matches in bold."""
    await send_answer(update, context, core(context, update).answer("search", command_args(update)))


async def page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Previous/Next of a search answer."""
    await edit_answer(update, core(context, update).answer_callback(update.callback_query.data or ""))


def register(application: Application, settings: Settings) -> None:
    application.add_handler(CommandHandler("search", search))
    application.add_handler(CallbackQueryHandler(page, pattern=r"^sr:"))
