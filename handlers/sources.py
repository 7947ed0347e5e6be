"""/addsource, /removesource, /feeds (paged by buttons), and the JobQueue job that reads the sources.

Administrators (ADMIN_USER_IDS) add and remove sources in a private chat; everybody may see /feeds.
Every POLL_SECONDS the job reads the sources that are due (each has its own schedule: see
`bot.sources.registry`); a round that wrote or removed seed files is followed by the store's
incremental build, in a process of its own (so that the bot's memory stays small: see
`Following.build_store_apart`), one build at a time with the build after an upload (the lock in
`bot_data["build_lock"]`). When a source is paused, the administrators are told once.
"""
from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot import i18n
from bot.answers import feeds as answers
from bot.answers.commands import Answer
from bot.config import Settings
from bot.sources.following import Following, changed_files
from handlers.reply import command_args, edit_answer, language, send_answer

log = logging.getLogger(__name__)
POLL_SECONDS = 15.0  # how often the job looks for due sources (each source keeps its own interval)


def build_lock(application: Application) -> asyncio.Lock:
    """The one lock every build of the running bot takes (uploads, fetch rounds)."""
    return application.bot_data.setdefault("build_lock", asyncio.Lock())


class SourceHandlers:
    def __init__(self, following: Following, settings: Settings):
        self.following = following
        self.settings = settings
        self._polling = False

    def _admin_in_private(self, update: Update) -> bool:
        user = update.effective_user
        return (update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE
                and user is not None and user.id in self.settings.admin_user_ids)

    async def addsource(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An administrator follows a feed or a page: what was found, and when it is read."""
        t = language(update, context)
        if not self._admin_in_private(update):
            await send_answer(update, context, Answer(t._(answers.ADMINS_ONLY)))
            return
        args = command_args(update).split(None, 1)
        if not args:
            await send_answer(update, context, Answer(t._(answers.ADD_USAGE)))
            return
        outcome = await self.following.add(args[0], args[1] if len(args) > 1 else "",
                                           added_by=update.effective_user.id)
        await send_answer(update, context, Answer(answers.added(outcome, self.following.interval, t)))
        if outcome.source is not None and (outcome.created or outcome.resumed):
            context.job_queue.run_once(self.poll, 1, name="sources:after-add")

    async def removesource(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        t = language(update, context)
        if not self._admin_in_private(update):
            await send_answer(update, context, Answer(t._(answers.ADMINS_ONLY)))
            return
        asked = " ".join(command_args(update).split())
        if not asked:
            await send_answer(update, context, Answer(t._(answers.REMOVE_USAGE)))
            return
        await send_answer(update, context, Answer(answers.removed(self.following.remove(asked), asked, t)))

    async def feeds(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await send_answer(update, context, answers.feeds_page(self.following.sources(), t=language(update, context)))

    async def feeds_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await edit_answer(update, answers.feeds_callback(self.following.sources(), update.callback_query.data or "",
                                                         language(update, context)))

    async def poll(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """One fetch round of the due sources, the store's update if files changed, paused sources told."""
        if self._polling:  # a round still running (a slow source): this tick is skipped
            return
        self._polling = True
        try:
            report = await self.following.fetch()
            for line in report.lines():
                log.info("fetch: %s", line)
            if changed_files(report):
                async with build_lock(context.application):
                    built = await asyncio.to_thread(self.following.build_store_apart, report)
                log.info("fetch: store updated: %d new, %d changed, %d removed seed files; %d documents",
                         len(report.written), len(report.changed), len(report.removed), built.documents)
            state = getattr(context, "bot_data", {}).get("state")
            for outcome in report.notify:
                for admin in sorted(self.settings.admin_user_ids):
                    t = i18n.translator(state.chat_language(admin) if state is not None else None)
                    try:
                        await context.bot.send_message(admin, answers.paused_notice(outcome, t))
                    except TelegramError as exc:  # an administrator who never started the bot
                        log.warning("Could not tell administrator %s that source %s is paused: %s",
                                    admin, outcome.source_id, exc)
        except Exception:
            log.exception("A fetch round failed; the next one comes at the next tick")
        finally:
            self._polling = False


def register(application: Application, settings: Settings) -> None:
    following = Following(settings)
    handlers = SourceHandlers(following, settings)
    application.bot_data["following"] = following
    build_lock(application)
    application.add_handler(CommandHandler("addsource", handlers.addsource))
    application.add_handler(CommandHandler("removesource", handlers.removesource))
    application.add_handler(CommandHandler("feeds", handlers.feeds))
    application.add_handler(CallbackQueryHandler(handlers.feeds_button, pattern=f"^{answers.FEEDS_CALLBACK}:"))
    application.job_queue.run_repeating(handlers.poll, POLL_SECONDS, first=2, name="sources:poll")
