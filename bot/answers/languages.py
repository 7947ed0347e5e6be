"""The answers of /language, written once for every front: which language a chat speaks and why, a
button per language the bot speaks (its own name), and what a change says (in the new language).

The Telegram handler (`handlers/language.py`) keeps the choice in state.db; the console keeps it for
its session. Languages are whatever catalogs `bot/locales/` holds (`bot.i18n.languages`).
"""
from __future__ import annotations

from bot import i18n
from bot.answers import render
from bot.answers.commands import Answer, Button
from bot.i18n import Translator

CALLBACK = "lg:"  # callback_data: "lg:" + a language code, or "lg:auto"
AUTO = "auto"
AUTO_WORDS = {"auto", "automatic", "default", "reset", "off"}
CHOSEN, TELEGRAM, DEFAULT = "chosen", "telegram", "default"  # why a chat speaks its language


def why(t: Translator, how: str) -> str:
    """"This chat speaks Deutsch (chosen with /language)." and the like, in `t`'s language."""
    if how == CHOSEN:
        return t._("This chat speaks {language} (chosen with /language).", language=t.name)
    if how == TELEGRAM:
        return t._("This chat speaks {language}, the language of your Telegram app.", language=t.name)
    return t._("This chat speaks {language}, the bot's default.", language=t.name)


def buttons(current: Translator, offer_auto: bool = False) -> list[list[Button]]:
    """A button per language, by its own name, two a row; the current one ticked."""
    labels = [Button(("✓ " if lang.code == current.code else "") + lang.name, CALLBACK + lang.code)
              for lang in i18n.languages()]
    rows = [labels[i:i + 2] for i in range(0, len(labels), 2)]
    if offer_auto:
        rows.append([Button(current._("Automatic (my Telegram language)"), CALLBACK + AUTO)])
    return rows


def picker(t: Translator, how: str, private: bool, group: bool = False) -> Answer:
    """/language alone: the language, why, and the choice (in a `group`, its administrators'; in a
    `private` chat, also back to the Telegram language)."""
    lines = [why(t, how), t._("Choose another, or send {example}.", example="<code>/language de</code>")]
    if group:
        lines.append(t._("In a group, its administrators choose."))
    if private and how == CHOSEN:
        lines.append(t._("{command} goes back to your Telegram app's language.", command="<code>/language auto</code>"))
    return Answer("\n".join(lines), buttons(t, offer_auto=private and how == CHOSEN))


def changed(t: Translator, how: str) -> Answer:
    """What a change says, in the language now spoken."""
    return Answer("✅ " + why(t, how) + "\n" + t._("Command names stay as they are: /help lists them."))


def unknown(asked: str, t: Translator) -> Answer:
    names = ", ".join(f"{lang.name} (<code>{lang.code}</code>)" for lang in i18n.languages())
    return Answer(t._("I don't speak “{asked}”. I speak {languages}.", asked=render.escape(render.shorten(asked, 40)),
                      languages=names), buttons(t))


def settings_line(t: Translator) -> str:
    """The /settings line: the language and how to change it."""
    return t._("<b>Language</b>: {language} (/language)", language=t.name)


def wanted(args: str) -> str | None:
    """What `/language ARGS` asks for: a language code the bot speaks, AUTO, or None (unknown)."""
    asked = " ".join(args.split())
    if asked.lower() in AUTO_WORDS:
        return AUTO
    return i18n.match(asked)


def from_button(data: str) -> str | None:
    """The language a /language button names (a code or AUTO), or None for a stale one."""
    code = data[len(CALLBACK):] if data.startswith(CALLBACK) else ""
    if code == AUTO:
        return AUTO
    return code if code in i18n.codes() else None

