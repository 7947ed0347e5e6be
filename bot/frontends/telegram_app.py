"""The Telegram application: wiring only. Behaviour lives in `handlers/`, answers in `bot.answers.commands`.

`briefbot run` calls `run_bot`: long polling, or webhook mode when WEBHOOK_URL is set; the Bot API
server is Telegram's unless TELEGRAM_API_BASE_URL names another (a local server or the emulator).
"""
from __future__ import annotations

import gc
import logging
from urllib.parse import urlparse

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import InvalidToken, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, Defaults

from bot import i18n
from bot.answers.commands import COMMANDS, CommandCore, description
from bot.config import Settings
from bot.delivery.state import StateStore
from bot.i18n import ENGLISH, Translator
from bot.logging_setup import configure_logging
from bot.store.queries import Store, StoreNotBuilt
from handlers import (
    brief,
    digests,
    errors,
    fallback,
    follows,
    inline,
    language,
    people,
    quiz,
    search,
    sources,
    start,
    throttle,
    trend,
    upkeep,
)

log = logging.getLogger(__name__)

REPLY_RETRIES = 3  # flood-control waits per Bot API call before it fails
# Updates handled at once: enough that one chat held back by flood control does not hold up the
# others, few enough not to crowd one HTTP client (at 256 replies/s fell to a quarter of what 8 gave).
CONCURRENT_UPDATES = 8

# Each module exposes `register(application, settings)`. `throttle` comes first (it guards the
# others, in handler group -1); `fallback` is registered after all of them by `build_application`.
HANDLER_FAMILIES = [throttle, errors, start, people, search, brief, trend, quiz, inline, digests, follows, sources,
                    language, upkeep]


def menu_scopes(t: Translator = ENGLISH) -> list[tuple[object, list[BotCommand]]]:
    """The command menus in `t`'s language: every command in private chats; in groups, the group commands,
    with the administrators' own ones shown to administrators only. Names stay English, as Telegram wants."""
    private = [BotCommand(c.name, description(c, t)) for c in COMMANDS]
    admins = [BotCommand(c.name, description(c, t)) for c in COMMANDS if c.in_groups]
    members = [BotCommand(c.name, description(c, t)) for c in COMMANDS if c.in_groups and not c.admins_only]
    return [(BotCommandScopeAllPrivateChats(), private), (BotCommandScopeAllGroupChats(), members),
            (BotCommandScopeAllChatAdministrators(), admins)]


def menu_languages() -> list[tuple[str | None, Translator]]:
    """(Telegram's language_code, translator) for each menu: the default one (no code) in English, then
    one per other language the bot speaks, under its two-letter code (what setMyCommands takes)."""
    menus: list[tuple[str | None, Translator]] = [(None, i18n.translator(i18n.SOURCE))]
    seen = set()
    for t in i18n.languages():
        code = t.code.split("_")[0].lower()
        if t.is_source or len(code) != 2 or code in seen:
            continue
        seen.add(code)
        menus.append((code, t))
    return menus


async def register_commands(application: Application) -> None:
    """post_init: publish the command menus, per language; a server refusing them is worth a warning only."""
    for code, t in menu_languages():
        for scope, commands in menu_scopes(t):
            try:
                await application.bot.set_my_commands(commands, scope=scope, language_code=code)
            except TelegramError as exc:
                log.warning("Could not register the command menu for %s (%s): %s", type(scope).__name__,
                            code or "default", exc)


def build_application(settings: Settings) -> Application:
    """The Application with its defaults, flood control, the store's command core and every handler."""
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .defaults(Defaults(parse_mode=ParseMode.HTML, allow_sending_without_reply=True))
        .post_init(register_commands)
        # Updates are handled side by side: a reply that flood control holds back (a busy group's
        # 21st message in a minute) must not hold up every other chat's answer.
        .concurrent_updates(CONCURRENT_UPDATES)
    )
    if settings.api_base_url:
        base = settings.api_base_url.rstrip("/")
        builder = builder.base_url(base).base_file_url(base.removesuffix("/bot") + "/file/bot")
    if settings.rate_limit:
        # max_retries: a reply Telegram refuses with "retry after N" is sent again after N seconds,
        # instead of being lost (the digest fan-out waits out flood control itself, in bot.delivery.fanout).
        builder = builder.rate_limiter(AIORateLimiter(max_retries=REPLY_RETRIES))
    application = builder.build()
    application.bot_data["settings"] = settings
    application.bot_data["core"] = CommandCore(Store(settings.briefing_db))
    # state.db: what chats told the bot (their language among it), shared by every family.
    application.bot_data["state"] = StateStore(settings.state_db)
    for family in HANDLER_FAMILIES:
        family.register(application, settings)
    fallback.register(application, settings)  # last: it sees only what no family took
    return application


def run_bot(settings: Settings) -> None:
    """Run until interrupted: webhook mode when settings.webhook_url is set, else long polling.

    A failure that stops the bot is logged through the redacting formatter and ends the process with
    status 1: an exception left to Python's default handler could print the token (PTB's InvalidToken
    message quotes it).
    """
    configure_logging(settings.log_level, [settings.token, settings.webhook_secret])
    try:
        application = build_application(settings)
        # What start-up made (the libraries, the handlers) lives as long as the process: frozen out of
        # the collector, a full collection walks only what serving makes (10 ms → 0 ms for start-up's
        # 75,000 objects, measured) instead of pausing an answer now and then.
        gc.freeze()
        if settings.webhook_url:
            log.info("Webhook mode: listening on %s:%s", settings.webhook_listen, settings.webhook_port)
            application.run_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=urlparse(settings.webhook_url).path.lstrip("/"),
                webhook_url=settings.webhook_url,
                secret_token=settings.webhook_secret or None,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            log.info("Long polling %s", settings.api_base_url or "api.telegram.org")
            application.run_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken:
        log.critical("The Bot API server rejected the bot token: check TELEGRAM_BOT_TOKEN.")
        raise SystemExit(1) from None
    except StoreNotBuilt:
        raise  # the command line explains this one
    except Exception:
        log.critical("The bot stopped on an unexpected error", exc_info=True)
        raise SystemExit(1) from None
