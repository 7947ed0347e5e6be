"""Inline mode: `@bot blinken` in any chat offers the person's card and their quotes to share (a card
carries a button that opens the follow of that person in the bot's chat, `?start=follow-NAME`);
`@bot trend blinken` a chart already sent in a chat (its Share button), or its numbers."""
from __future__ import annotations

import re

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultCachedPhoto,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import Application, ContextTypes, InlineQueryHandler

from bot.answers import render
from bot.config import Settings
from bot.i18n import ENGLISH, Translator
from bot.store.names import fold
from handlers.reply import core, language


def follow_link(bot_username: str | None, name: str, t: Translator = ENGLISH) -> InlineKeyboardMarkup | None:
    """A button opening `t.me/Bot?start=follow-NAME`: following the person with one tap in the bot's chat
    (a start parameter takes letters, digits, - and _ only, 64 at most)."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:57].strip("-")
    if not bot_username or not slug:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(t._("Follow in the bot"),
                                                       url=f"https://t.me/{bot_username}?start=follow-{slug}")]])


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer an inline query with articles rendered by the command core."""
    query = update.inline_query
    t = language(update, context)
    results = [
        InlineQueryResultCachedPhoto(
            id=r.id, photo_file_id=r.photo_file_id, title=r.title, description=r.description,
            caption=render.split_message(r.html, render.CAPTION_LIMIT)[0], parse_mode=ParseMode.HTML)
        if r.photo_file_id else
        InlineQueryResultArticle(
            id=r.id, title=r.title, description=r.description,
            input_message_content=InputTextMessageContent(
                render.split_message(r.html)[0], parse_mode=ParseMode.HTML),
            reply_markup=follow_link(context.bot.username, r.title, t) if r.id.startswith("p") else None)
        for r in core(context).speaking(t).inline_results(query.query)
    ]
    await query.answer(results, cache_time=60)


def register(application: Application, settings: Settings) -> None:
    application.add_handler(InlineQueryHandler(inline_query))
