"""/language and its buttons: the language a chat's answers, digests and alerts are written in.

`/language` shows the chat's language, why it is that one, and a button per language the bot speaks;
`/language de` (or `Deutsch`, `german`) switches at once; `/language auto` goes back to the user's
Telegram language (private chats) or English (groups). In groups only administrators change it, as
with subscriptions. The choice is kept in state.db; `handlers.reply.language` reads it for every update.
"""
from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot import i18n
from bot.answers import languages as answers
from bot.answers.commands import Answer
from bot.config import Settings
from bot.delivery.state import StateStore
from bot.i18n import N_, Translator
from handlers.digests import may_change
from handlers.reply import command_args, edit_answer, language, send_answer

ADMINS_ONLY = N_("Only this group's administrators can change the language the bot speaks here.")


class LanguageCommands:
    """The chat's language over state.db (for /language and the /settings line)."""

    def __init__(self, state: StateStore):
        self.state = state

    def how(self, chat_id: int, private: bool, client: str | None) -> str:
        chosen, _ = self.state.language_choice(chat_id)
        if chosen and i18n.match(chosen):
            return answers.CHOSEN
        if private and i18n.match(client):
            return answers.TELEGRAM
        return answers.DEFAULT

    def settings_line(self, chat_id: int, t: Translator) -> str:
        """The /settings line (the chat's language is `t`, as resolved for the update)."""
        return answers.settings_line(t)

    def settings_buttons(self, t: Translator) -> list:
        return []

    def choose(self, chat_id: int, code: str, private: bool, client: str | None):
        """Keep the chat's choice (AUTO: none); the answer in the language now spoken."""
        self.state.set_language(chat_id, None if code == answers.AUTO else code)
        how = self.how(chat_id, private, client)
        now = i18n.translator(code if code != answers.AUTO else (client if private else None))
        return answers.changed(now, how)


def _private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE


def _client(update: Update) -> str | None:
    return update.effective_user.language_code if update.effective_user is not None else None


class LanguageHandlers:
    def __init__(self, commands: LanguageCommands):
        self.commands = commands

    async def language_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        t = language(update, context)
        chat_id, private, client = update.effective_chat.id, _private(update), _client(update)
        args = command_args(update).strip()
        if not args:  # anyone may look; a button pressed in a group is checked then
            await send_answer(update, context, answers.picker(t, self.commands.how(chat_id, private, client), private,
                                                              group=not private))
            return
        code = answers.wanted(args)
        if code is None:
            await send_answer(update, context, answers.unknown(args, t))
            return
        if not await may_change(update, context):
            await send_answer(update, context, Answer(t._(ADMINS_ONLY)))
            return
        await send_answer(update, context, self.commands.choose(chat_id, code, private, client))

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        t = language(update, context)
        code = answers.from_button(update.callback_query.data or "")
        if code is None:
            await update.callback_query.answer(t._("That button has expired. Send the command again."),
                                               show_alert=True)
            return
        if not await may_change(update, context):
            await update.callback_query.answer(t._(ADMINS_ONLY), show_alert=True)
            return
        await edit_answer(update, self.commands.choose(update.effective_chat.id, code, _private(update),
                                                       _client(update)))


def register(application: Application, settings: Settings) -> None:
    state: StateStore = application.bot_data.get("state") or StateStore(settings.state_db)
    application.bot_data["state"] = state
    commands = LanguageCommands(state)
    handlers = LanguageHandlers(commands)
    application.bot_data["language_commands"] = commands
    application.add_handler(CommandHandler("language", handlers.language_command))
    application.add_handler(CallbackQueryHandler(handlers.button, pattern=f"^{answers.CALLBACK}"))
