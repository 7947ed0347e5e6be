"""/trend and the card's Trend button: a chart of mentions per day, in the chat's own days."""
from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.config import Settings
from bot.delivery.slots import zone
from handlers.reply import command_args, core, edit_answer, send_answer


def chat_zone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """The zone the chat saved with /subscribe, else UTC."""
    state = context.bot_data.get("state")
    saved = state.chat_zone(update.effective_chat.id) if state is not None and update.effective_chat else None
    return saved or "UTC"


async def trend(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A chart of a person's or a topic's presence per day, or the reason there is none."""
    name = chat_zone(update, context)
    await send_answer(update, context, core(context, update).trend(command_args(update), zone(name), name))


async def trend_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The Trend button of a /who card, or a choice among several people."""
    await edit_answer(update, core(context, update).answer_callback(update.callback_query.data or ""))


def register(application: Application, settings: Settings) -> None:
    application.add_handler(CommandHandler("trend", trend))
    application.add_handler(CallbackQueryHandler(trend_button, pattern=r"^tr:"))
