"""Turning the core's `Answer` into Telegram messages: the one place that knows both sides.

Replies go to the asking chat and forum topic and, in groups, quote the asking message (PTB's
`reply_*` shortcuts do both). Long answers are split at paragraph boundaries with the buttons on
the last part; a reply that meets a group's move to a supergroup goes to the supergroup. When a
user edits a command, the earlier answer is edited instead of a second one being sent.
"""
from __future__ import annotations

import logging
import sqlite3

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, ChatMigrated
from telegram.ext import ContextTypes

from bot import i18n
from bot.answers import render
from bot.answers.commands import Answer, CommandCore, parse_command
from bot.i18n import Translator

log = logging.getLogger(__name__)
_ANSWERED = "answered"  # chat_data key: asking message id -> our answer's message id


def language(update: object, context: ContextTypes.DEFAULT_TYPE) -> Translator:
    """The language to answer `update` in: the chat's choice (/language, kept in state.db); else, in a
    private chat or where there is no chat (inline mode), the user's Telegram language; else English.

    A private chat's Telegram language is kept in state.db too (written when it changes), so that the
    digests and alerts the bot sends unasked speak it as well.
    """
    if not isinstance(update, Update):
        return i18n.translator(None)
    chat, user = update.effective_chat, update.effective_user
    client = user.language_code if user is not None else None
    state = context.bot_data.get("state")
    if chat is None or state is None:
        return i18n.translator(client)
    try:
        chosen, kept = state.language_choice(chat.id)
        if chosen:
            return i18n.translator(chosen)
        if chat.type != ChatType.PRIVATE:
            return i18n.translator(None)
        if client and client != kept:
            state.note_client_language(chat.id, client)
    except sqlite3.Error:  # state.db busy or broken: the answer still comes, in the user's language
        log.warning("Could not read or keep the language of chat %s", chat.id, exc_info=True)
        if chat.type != ChatType.PRIVATE:
            return i18n.translator(None)
    return i18n.translator(client)


def core(context: ContextTypes.DEFAULT_TYPE, update: object = None) -> CommandCore:
    """The command core, answering in the language of `update` (English without one)."""
    shared: CommandCore = context.bot_data["core"]
    return shared.speaking(language(update, context)) if update is not None else shared


def keyboard(answer: Answer) -> InlineKeyboardMarkup | None:
    rows = [[InlineKeyboardButton(b.label, callback_data=b.callback)
             if b.callback is not None else
             InlineKeyboardButton(b.label, switch_inline_query=b.switch_inline)
             for b in row] for row in answer.buttons]
    return InlineKeyboardMarkup(rows) if rows else None


async def send_answer(update: Update, context: ContextTypes.DEFAULT_TYPE, answer: Answer) -> None:
    """Reply to the update's message with `answer` (or edit our answer to an edited command)."""
    message = update.effective_message
    if answer.photo is not None:
        await send_photo(message, answer)
        return
    parts = render.split_message(answer.html)
    answered: dict[int, int] = context.chat_data.setdefault(_ANSWERED, {}) if context.chat_data is not None else {}
    if update.edited_message and len(parts) == 1 and message.message_id in answered:
        try:
            await context.bot.edit_message_text(
                parts[0], chat_id=message.chat_id, message_id=answered[message.message_id],
                parse_mode=ParseMode.HTML, reply_markup=keyboard(answer))
            return
        except BadRequest:
            pass  # the old answer is gone or unchanged: answer afresh
    sent: Message | None = None
    chat_id = message.chat_id
    for i, part in enumerate(parts):
        markup = keyboard(answer) if i == len(parts) - 1 else None
        try:
            sent = await _send_part(context, message, chat_id, part, markup)
        except ChatMigrated as exc:  # the group became a supergroup meanwhile: Telegram names it
            chat_id = exc.new_chat_id
            sent = await _send_part(context, message, chat_id, part, markup)
    if sent is not None:
        if len(answered) > 200:  # only recent commands get edited; keep chat_data small
            answered.pop(next(iter(answered)))
        answered[message.message_id] = sent.message_id


async def _send_part(context: ContextTypes.DEFAULT_TYPE, message: Message, chat_id: int, text: str,
                     markup: InlineKeyboardMarkup | None) -> Message:
    """A reply to `message`, or, once its group moved to supergroup `chat_id`, a message there."""
    if chat_id == message.chat_id:
        return await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    return await context.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def send_photo(message: Message, answer: Answer, quote: bool | None = None) -> Message:
    """A chart: the photo with the answer's HTML as its caption (a caption holds 1,024 characters)."""
    caption = render.split_message(answer.html, render.CAPTION_LIMIT)[0]
    try:
        sent = await message.reply_photo(answer.photo.png, caption=caption, parse_mode=ParseMode.HTML,
                                         reply_markup=keyboard(answer), do_quote=quote)
    except ChatMigrated as exc:
        sent = await message.get_bot().send_photo(exc.new_chat_id, answer.photo.png, caption=caption,
                                                  parse_mode=ParseMode.HTML, reply_markup=keyboard(answer))
    if answer.photo.on_sent is not None and sent.photo:
        answer.photo.on_sent(sent.photo[-1].file_id)
    return sent


async def edit_answer(update: Update, answer: Answer) -> None:
    """Show `answer` in place of the message whose button was pressed (or below it, when that
    message can no longer be edited, e.g. after 48 hours). A chart comes below it: a text message
    cannot become a photo."""
    query = update.callback_query
    try:
        await query.answer()
    except BadRequest as exc:  # "query is too old" after a restart or a slow moment: the page still matters
        log.info("Could not answer the button press: %s", exc.message)
    if answer.photo is not None and isinstance(query.message, Message):
        await send_photo(query.message, answer, quote=False)
        return
    text = render.split_message(answer.html)[0]
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard(answer))
    except BadRequest as exc:
        if "not modified" in str(exc).lower():  # pressing the same page twice is harmless
            return
        if not isinstance(query.message, Message):
            raise
        await query.message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard(answer),
                                       do_quote=False)


def command_args(update: Update) -> str:
    """Everything after `/command` or `/command@BotName` in the message text."""
    text = update.effective_message.text or ""
    parsed = parse_command(text)
    return parsed[1] if parsed else text
