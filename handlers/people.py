"""/who and /quotes, and the buttons of their answers (cards, choices, paging)."""
from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.config import Settings
from handlers.reply import command_args, core, edit_answer, send_answer


async def who(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A person's card, a choice of people, or everybody by prominence."""
    await send_answer(update, context, core(context, update).answer("who", command_args(update)))


async def quotes(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Quotations by a person or about a topic."""
    await send_answer(update, context, core(context, update).answer("quotes", command_args(update)))


async def page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button of a /who or /quotes answer: the answer it leads to replaces the message."""
    await edit_answer(update, core(context, update).answer_callback(update.callback_query.data or ""))


def register(application: Application, settings: Settings) -> None:
    application.add_handler(CommandHandler("who", who))
    application.add_handler(CommandHandler("quotes", quotes))
    application.add_handler(CallbackQueryHandler(page, pattern=r"^(p|wl|qp|qt|mn):"))
