"""What no command family took: unknown commands and plain text.

Private chats get a short hint towards /help. Groups hear many things not meant for the bot, so it
answers only when addressed: a command ending in @ThisBot, a mention of @ThisBot, or a reply to
one of its messages. Registered after every family, so it only sees what none of them handled.
"""
from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.answers.commands import NOT_A_COMMAND, Answer, parse_command, unknown_command
from bot.config import Settings
from handlers.reply import language, send_answer


def is_addressed(update: Update, bot_username: str) -> bool:
    """Whether a group message is meant for this bot."""
    message = update.effective_message
    text = message.text or ""
    mention = f"@{bot_username}".lower()
    parsed = parse_command(text)
    if parsed is not None:
        return text.split(maxsplit=1)[0].lower().endswith(mention)
    replied = message.reply_to_message
    if replied and replied.from_user and replied.from_user.username == bot_username:
        return True
    return mention in text.lower()


async def unknown(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Hint towards /help, in private chats or when addressed in a group."""
    message = update.effective_message
    if message.chat.type != ChatType.PRIVATE and not is_addressed(update, context.bot.username):
        return
    parsed = parse_command(message.text or "")
    t = language(update, context)
    await send_answer(update, context, unknown_command(parsed[0], t) if parsed else Answer(t._(NOT_A_COMMAND)))


def register(application: Application, settings: Settings) -> None:
    application.add_handler(MessageHandler(filters.TEXT & filters.UpdateType.MESSAGE, unknown))
