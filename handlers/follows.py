"""/follow, /following, /unfollow, /alerts, /quiet, their buttons and the alerts' settings buttons;
`register` also starts the alert job (look for new documents, send due alerts) once the bot runs.

In groups anyone may see /following and /alerts; only administrators change follows, quiet hours or
alert settings, as with subscriptions. In a forum, a follow's alerts go to the topic it was made in.
"""
from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.answers.commands import Answer
from bot.config import Settings
from bot.delivery.clock import Clock, SystemClock
from bot.delivery.state import StateStore
from bot.follows.alerts import AlertDelivery, AlertJobs
from bot.follows.commands import (
    ALERTS_PAGE_DATA,
    NEXT_BATCH,
    TOGGLE_ALERTS,
    TOGGLE_ONLY_FOLLOWS,
    FollowCommands,
    changes_follows,
)
from bot.follows.matching import Matcher
from bot.follows.state import FollowState
from bot.i18n import N_
from bot.store.changes import StoreWatch
from bot.store.queries import Store
from handlers.digests import may_change
from handlers.reply import command_args, edit_answer, language, send_answer

log = logging.getLogger(__name__)
ADMINS_ONLY = N_("Only this group's administrators can change what it follows. /following shows it to everyone.")


def _thread(update: Update) -> int | None:
    message = update.effective_message
    return message.message_thread_id if message is not None and message.is_topic_message else None


def _user(update: Update) -> int | None:
    return update.effective_user.id if update.effective_user else None


class FollowHandlers:
    def __init__(self, commands: FollowCommands):
        self.commands = commands

    async def _guarded(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
        if await may_change(update, context):
            return True
        await send_answer(update, context, Answer(language(update, context)._(ADMINS_ONLY)))
        return False

    async def follow(self, update: Update, context: ContextTypes.DEFAULT_TYPE, args: str | None = None) -> None:
        if await self._guarded(update, context):
            await send_answer(update, context, self.commands.follow(
                update.effective_chat.id, command_args(update) if args is None else args, _thread(update),
                _user(update), language(update, context)))

    async def deep_link(self, update: Update, context: ContextTypes.DEFAULT_TYPE, args: str) -> None:
        """`t.me/Bot?start=follow-blinken`: the follow, with one tap."""
        await self.follow(update, context, args.replace("-", " ").replace("_", " "))

    async def following(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await send_answer(update, context, self.commands.following(update.effective_chat.id, language(update, context)))

    async def unfollow(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if await self._guarded(update, context):
            await send_answer(update, context, self.commands.unfollow(update.effective_chat.id, command_args(update),
                                                                      language(update, context)))

    async def alerts(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await send_answer(update, context, self.commands.alerts(update.effective_chat.id, t=language(update, context)))

    async def quiet(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        args = command_args(update)
        if args.strip() and not await self._guarded(update, context):
            return
        await send_answer(update, context, self.commands.quiet(update.effective_chat.id, args, language(update, context)))

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button of /follow, /following or /alerts."""
        data = update.callback_query.data or ""
        t = language(update, context)
        if changes_follows(data) and not await may_change(update, context):
            await update.callback_query.answer(t._(ADMINS_ONLY), show_alert=True)
            return
        await edit_answer(update, self.commands.answer_callback(update.effective_chat.id, data, _thread(update),
                                                                _user(update), t))

    async def settings_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The alerts' buttons of /settings: on/off, how long alerts are gathered, "only what I follow"."""
        t = language(update, context)
        if not await may_change(update, context):
            await update.callback_query.answer(t._(ADMINS_ONLY), show_alert=True)
            return
        chat_id, data = update.effective_chat.id, update.callback_query.data
        {TOGGLE_ALERTS: self.commands.toggle_alerts, NEXT_BATCH: self.commands.next_batch,
         TOGGLE_ONLY_FOLLOWS: self.commands.toggle_only_follows}[data](chat_id)
        digests = context.bot_data.get("digest_handlers")
        answer = digests.settings_answer(chat_id, context, t) if digests is not None else Answer(
            "\n".join(self.commands.settings_lines(chat_id, t)), self.commands.settings_buttons(chat_id, t))
        await edit_answer(update, answer)


def register(application: Application, settings: Settings, clock: Clock | None = None) -> None:
    clock = clock or application.bot_data.get("clock") or SystemClock()
    state: StateStore = application.bot_data.get("state") or StateStore(settings.state_db)
    briefing: Store = application.bot_data.get("briefing") or Store(settings.briefing_db)
    follows = FollowState(state)
    commands = FollowCommands(briefing, follows, state, clock, settings.alert_batch_minutes)
    handlers = FollowHandlers(commands)
    composer = application.bot_data.get("digest_composer")
    if composer is not None:
        composer.follows = follows  # the digest's "Following" section and "only what I follow"
    sender = application.bot_data.get("sender")
    if sender is None:
        from bot.delivery.fanout import Sender
        sender = Sender(application.bot, clock)
    delivery = AlertDelivery(sender, follows, state, clock, settings.alert_batch_minutes)
    matcher, in_thread = _matcher(settings, state, follows, clock)
    jobs = AlertJobs(matcher, delivery, application.job_queue, settings.alert_check_seconds, in_thread)
    application.bot_data.update(follow_commands=commands, alerts_kick=jobs.kick, alert_jobs=jobs,
                                follow_deep_link=handlers.deep_link)

    application.add_handler(CommandHandler("follow", handlers.follow))
    application.add_handler(CommandHandler("following", handlers.following))
    application.add_handler(CommandHandler("unfollow", handlers.unfollow))
    application.add_handler(CommandHandler("alerts", handlers.alerts))
    application.add_handler(CommandHandler("quiet", handlers.quiet))
    application.add_handler(CallbackQueryHandler(handlers.button, pattern=f"^(fl:|uf:|{ALERTS_PAGE_DATA})"))
    application.add_handler(CallbackQueryHandler(
        handlers.settings_button, pattern=f"^({TOGGLE_ALERTS}|{NEXT_BATCH}|{TOGGLE_ONLY_FOLLOWS})$"))
    # The first look, in a worker thread as soon as the bot starts (before the first interval): what is in
    # the store then is the archive, and anything built after it alerts.
    jobs.start()
    jobs.kick()


def _matcher(settings: Settings, state: StateStore, follows: FollowState, clock: Clock) -> tuple[Matcher, bool]:
    """The alerts' matcher, and whether it runs in a worker thread: it does, on a connection of its own to
    state.db (the first look at a million documents takes a minute, which the event loop must not wait
    for), unless state.db is in memory, where it shares the bot's and runs on the loop."""
    path = state.file()
    if not path:
        return Matcher(StoreWatch(settings.briefing_db), follows, clock), False
    own = FollowState(StateStore(path, threads=True))
    return Matcher(StoreWatch(settings.briefing_db), own, clock), True
