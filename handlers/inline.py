"""Inline mode: `@bot blinken` in any chat offers the person's card and their quotes to share;
`@bot trend blinken` a chart already sent in a chat (its Share button), or its numbers."""
from __future__ import annotations

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultCachedPhoto,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import Application, ContextTypes, InlineQueryHandler

from bot.answers import render
from bot.config import Settings
from handlers.reply import core


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer an inline query with articles rendered by the command core."""
    query = update.inline_query
    results = [
        InlineQueryResultCachedPhoto(
            id=r.id, photo_file_id=r.photo_file_id, title=r.title, description=r.description,
            caption=render.split_message(r.html, render.CAPTION_LIMIT)[0], parse_mode=ParseMode.HTML)
        if r.photo_file_id else
        InlineQueryResultArticle(
            id=r.id, title=r.title, description=r.description,
            input_message_content=InputTextMessageContent(
                render.split_message(r.html)[0], parse_mode=ParseMode.HTML))
        for r in core(context).inline_results(query.query)
    ]
    await query.answer(results, cache_time=60)


def register(application: Application, settings: Settings) -> None:
    application.add_handler(InlineQueryHandler(inline_query))
