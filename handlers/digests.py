"""/subscribe, /unsubscribe, /settings, /digest, and admins adding documents by sending them.

In groups only administrators may change the subscription (asked of Telegram with getChatMember);
a forum group's digest goes to the topic it was set up in. `register` also starts the digest
scheduler once the application runs.
"""
from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import timedelta

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import build as store_build
from bot.answers import render
from bot.answers.commands import Answer, Photo
from bot.build.seed_folder import seed_path
from bot.config import Settings
from bot.delivery.clock import Clock, SystemClock
from bot.delivery.digest import DigestComposer
from bot.delivery.digest_commands import (
    NEXT_VOICES_DAY,
    TOGGLE_ONLY_NEWS,
    DigestCommands,
)
from bot.delivery.fanout import DigestDelivery, Sender
from bot.delivery.schedule import JOB_KWARGS, DigestScheduler
from bot.delivery.state import StateStore
from bot.delivery.voices import is_photo_part
from bot.documents.uploads import MAX_BYTES, RejectedUpload, save_seed
from bot.i18n import ENGLISH, N_, Translator
from bot.store.queries import Store
from handlers.reply import command_args, edit_answer, language, send_answer, send_photo

log = logging.getLogger(__name__)
NEWEST_CHECKED = 50  # an upload's reply describes the new documents among this many newest

ADMINS_ONLY = N_("Only this group's administrators can change its daily digest. /settings shows it to everyone.")


async def may_change(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Anyone in a private chat; in groups, administrators (incl. anonymous ones) only."""
    chat, message = update.effective_chat, update.effective_message
    if chat.type == ChatType.PRIVATE:
        return True
    if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True  # an anonymous administrator writes as the group itself
    user = update.effective_user
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}


class DigestHandlers:
    """The handlers of the digest family, over one state.db, store and scheduler."""

    def __init__(self, commands: DigestCommands, scheduler: DigestScheduler, settings: Settings,
                 briefing: Store):
        self.commands = commands
        self.scheduler = scheduler
        self.settings = settings
        self.briefing = briefing
        self._rebuilding = asyncio.Lock()  # replaced by the application's one build lock in `register`

    async def may_change(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
        return await may_change(update, context)

    async def subscribe(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Subscribe the chat (or change its time and zone)."""
        t = language(update, context)
        if not await self.may_change(update, context):
            await send_answer(update, context, Answer(t._(ADMINS_ONLY)))
            return
        message = update.effective_message
        thread_id = message.message_thread_id if message.is_topic_message else None
        user = update.effective_user
        answer = self.commands.subscribe(message.chat_id, command_args(update), thread_id,
                                         user.id if user else None, t)
        self.scheduler.plan(message.chat_id)
        await send_answer(update, context, answer)

    async def unsubscribe(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stop the chat's daily digest."""
        t = language(update, context)
        if not await self.may_change(update, context):
            await send_answer(update, context, Answer(t._(ADMINS_ONLY)))
            return
        answer = self.commands.unsubscribe(update.effective_chat.id, t)
        self.scheduler.plan(update.effective_chat.id)
        await send_answer(update, context, answer)

    async def settings_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Show the chat's digest settings, with the "only news" button (and the alerts' settings)."""
        t = language(update, context)
        await send_answer(update, context, self.settings_answer(update.effective_chat.id, context, t))

    def settings_answer(self, chat_id: int, context: ContextTypes.DEFAULT_TYPE, t: Translator) -> Answer:
        answer = self.commands.settings(chat_id, t)
        alerts = context.bot_data.get("follow_commands")
        if alerts is not None:  # the follow family adds its part
            answer = Answer(answer.html + "\n" + "\n".join(alerts.settings_lines(chat_id, t)),
                            answer.buttons + alerts.settings_buttons(chat_id, t))
        languages = context.bot_data.get("language_commands")
        if languages is not None:  # and the language family its line and button
            answer = Answer(answer.html + "\n\n" + languages.settings_line(chat_id, t),
                            answer.buttons + languages.settings_buttons(t))
        return answer

    async def toggle_only_news(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The /settings button: turn "only news" on or off."""
        t = language(update, context)
        if not await self.may_change(update, context):
            await update.callback_query.answer(t._(ADMINS_ONLY), show_alert=True)
            return
        self.commands.toggle_only_news(update.effective_chat.id, t)
        await edit_answer(update, self.settings_answer(update.effective_chat.id, context, t))

    async def next_voices_day(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The /settings button: the weekly voices chart on the next weekday, or off."""
        t = language(update, context)
        if not await self.may_change(update, context):
            await update.callback_query.answer(t._(ADMINS_ONLY), show_alert=True)
            return
        self.commands.next_voices_day(update.effective_chat.id, t)
        await edit_answer(update, self.settings_answer(update.effective_chat.id, context, t))

    async def digest(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The digest now, on demand; the daily schedule is unaffected."""
        chat_id = update.effective_chat.id
        digest = self.commands.digest_now(chat_id, language(update, context))
        texts = [part for part in digest.parts if not is_photo_part(part)]
        if texts:
            await send_answer(update, context, Answer("\n\n".join(texts)))
        for part in digest.parts:
            photo = self.commands.composer.voices.photo(part) if is_photo_part(part) else None
            if photo is not None:
                await send_photo(update.effective_message, Answer(photo[1], photo=Photo(photo[0], [])))
        self.commands.received(chat_id, digest)

    async def upload(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An admin's document: saved into seeds/, the store rebuilt, what was found reported."""
        user, document = update.effective_user, update.effective_message.document
        t = language(update, context)
        if user is None or user.id not in self.settings.admin_user_ids:
            await send_answer(update, context, Answer(t._("Only the bot's administrators can add documents.")))
            return
        try:
            if document.file_size and document.file_size > MAX_BYTES:
                raise RejectedUpload(N_("The file is larger than {n} MB."), n=MAX_BYTES // (1024 * 1024))
            file = await document.get_file()
            data = bytes(await file.download_as_bytearray())
            path, added = save_seed(self.settings.seeds_dir, document.file_name or "document.txt", data)
        except RejectedUpload as exc:
            await send_answer(update, context, Answer(exc.html(t)))
            return
        if not added:
            await send_answer(update, context, Answer(
                t._("{file} is already in the store with this content; nothing changed.", file=render.escape(path.name))))
            return
        # One build at a time (updates are handled concurrently): a build that started before another
        # upload was saved must not finish after that upload's build and swap in a store without it.
        async with self._rebuilding:
            try:
                before = {s.title for s in self.briefing.sources(0, NEWEST_CHECKED)}
            except (sqlite3.Error, FileNotFoundError):  # no store yet, or its path holds something else
                before = set()
            try:
                # Only the uploaded file is looked at (no scan of a folder that may hold a million files);
                # files dropped in by hand are taken in by the next `briefbot build` or start.
                report = await asyncio.to_thread(store_build.build, self.settings.seeds_dir, self.settings.briefing_db,
                                                  file_seconds=self.settings.build_file_seconds,
                                                  changed=[seed_path(self.settings.seeds_dir, path)])
            except store_build.BuildFailed as exc:
                # Not the file's fault (the store is busy, or its path is not a store): the file stays in
                # seeds/ and the next build takes it in.
                log.warning("Rebuilding the store with the uploaded %s failed: %s", path.name, exc)
                answer = Answer(t._("Saved {file} into the seed folder, but the store could not be rebuilt: {error}\n"
                                    "The file is kept: the next build takes it in (sending the file again, or "
                                    "{command} on the bot's machine).", file=render.escape(path.name),
                                    error=render.escape(str(exc)), command="<code>briefbot build</code>"))
            except Exception:
                # A file that breaks the build must not stay in seeds/ and break every later build too.
                log.exception("Rebuilding the store with the uploaded %s failed; the file is removed", path.name)
                path.unlink(missing_ok=True)
                answer = Answer(t._("Adding {file} failed while rebuilding the store; the store is unchanged and the "
                                    "file was not kept. The log has the details.", file=render.escape(path.name)))
            else:
                answer = Answer(self.found(path.name, before, report, t))
                kick = context.bot_data.get("alerts_kick")
                if kick is not None:  # alerts on the new document go out without waiting for the next look
                    kick()
        await send_answer(update, context, answer)

    def found(self, name: str, titles_before: set[str], report: store_build.BuildReport,
              t: Translator | None = None) -> str:
        """What the rebuilt store learnt from the new file."""
        t = t or ENGLISH
        skipped = [s for s in report.skipped if s.path.endswith(name)]
        if skipped:
            return t._("Saved {file}, but it could not be read: {reason}. The store is unchanged.",
                       file=render.escape(name), reason=render.escape(skipped[0].reason))
        total = self.briefing.summary().get("documents", 0)
        lines = [t.n_("Added {file}. The store now holds {n} document.", "Added {file}. The store now holds {n} documents.",
                      total, file=render.escape(name))]
        lines += [t._("Note: {reason}.", reason=render.escape(note.reason)) for note in report.notes
                  if note.path.endswith(name)]
        for n, info in enumerate(self.briefing.sources(0, NEWEST_CHECKED), 1):
            if info.title in titles_before:
                continue
            b = self.briefing.brief(n)
            names = ", ".join(render.escape(p.name) for p in (b.people if b else [])[:8])
            people = t.n_("{n} person", "{n} people", info.people)
            if names:
                people = t._("{people} ({names})", people=people, names=names)
            quotes = t.n_("{n} quote", "{n} quotes", info.quotes)
            lines.append(t._("{title} ({command}): {people}, {quotes}.", title=render.bold(render.escape(info.title)),
                             command="/brief " + str(n), people=people, quotes=quotes))
        return "\n".join(lines)


def register(application: Application, settings: Settings, clock: Clock | None = None) -> None:
    """Add the digest handlers, and start the scheduler (catch-up, then jobs) once the application runs."""
    clock = clock or SystemClock()
    state = application.bot_data.get("state") or StateStore(settings.state_db)
    application.bot_data["state"] = state  # the chat's saved zone, for answers in its local days
    briefing = Store(settings.briefing_db)
    composer = DigestComposer(briefing, state)
    sender = Sender(application.bot, clock)  # shared with alerts: one rate limit and send window for both
    application.bot_data.update(state=state, digest_composer=composer, sender=sender, briefing=briefing)
    delivery = DigestDelivery(application.bot, state, composer, clock,
                              grace=timedelta(hours=settings.digest_grace_hours), sender=sender)
    scheduler = DigestScheduler(application.job_queue, delivery, state, clock)
    handlers = DigestHandlers(DigestCommands(state, composer, clock), scheduler, settings, briefing)
    # One build at a time in the whole bot: uploads and fetch rounds (handlers.sources) share this lock.
    handlers._rebuilding = application.bot_data.setdefault("build_lock", asyncio.Lock())
    application.bot_data.update(digest_handlers=handlers, clock=clock)

    application.add_handler(CommandHandler("subscribe", handlers.subscribe))
    application.add_handler(CommandHandler("unsubscribe", handlers.unsubscribe))
    application.add_handler(CommandHandler("settings", handlers.settings_command))
    application.add_handler(CommandHandler("digest", handlers.digest))
    application.add_handler(CallbackQueryHandler(handlers.toggle_only_news, pattern=f"^{TOGGLE_ONLY_NEWS}$"))
    application.add_handler(CallbackQueryHandler(handlers.next_voices_day, pattern=f"^{NEXT_VOICES_DAY}$"))
    # Every file sent in private: a wrong kind of file gets told which kinds are taken.
    application.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.Document.ALL, handlers.upload))

    async def start_scheduler(context: ContextTypes.DEFAULT_TYPE) -> None:
        await scheduler.start()

    # Without JOB_KWARGS APScheduler would drop it when start-up keeps the loop busy for more than a second
    # (the alerts' first look at a million documents takes a minute), and no digest would be planned.
    application.job_queue.run_once(start_scheduler, 0, name="digest:start-up", job_kwargs=JOB_KWARGS)
