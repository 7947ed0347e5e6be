"""`briefbot console`: the bot's commands in a terminal chat, without Telegram.

Type commands as in Telegram (`/who blinken`). An answer's buttons are listed as numbered choices:
type the number to press one. `@ QUERY` shows what inline mode offers. `/digest` previews the digest
a chat subscribing now would get, composed by the bot's own `DigestComposer` over a state kept in
memory, so nothing is recorded in state.db; `/subscribe`, `/unsubscribe` and `/settings` say what
they do in a Telegram chat. `/follow`, `/following`, `/unfollow`, `/quiet` and `/alerts` work for the
console's own chat, kept in state.db (alert messages themselves are sent only in Telegram; `/alerts`
lists what matched since the last look). The console speaks the language given by `--language` or the
LANGUAGE setting (English by default); `/language de` switches it for the session. `/quit` or end of
input leaves. Works the same with a pipe on stdin (no prompt is printed then), so scripts can drive it.
"""
from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, TextIO

from bot import i18n
from bot.answers import feeds as feeds_answers
from bot.answers import languages as language_answers
from bot.answers import render
from bot.answers.commands import (
    NOT_A_COMMAND,
    Answer,
    CommandCore,
    Photo,
    QuizPoll,
    number,
    parse_command,
)
from bot.config import Settings
from bot.delivery.digest import DigestComposer
from bot.delivery.state import StateStore
from bot.delivery.voices import is_photo_part
from bot.i18n import N_, Translator
from bot.store.queries import Store

QUIT = {"quit", "exit"}
CONSOLE_CHAT = 0  # the console's one chat in state.db (no Telegram chat has id 0)
FOLLOW_COMMANDS = {"follow", "following", "unfollow", "alerts", "quiet"}
FOLLOW_BUTTONS = ("fl:", "uf:", "al:p:")
EXPIRED = N_("That button has expired. Send the command again.")


@dataclass
class Choice:
    label: str
    pick: Callable[[], str]  # what pressing it prints


class ConsoleChat:
    """One conversation: turns typed lines into printed answers, remembering the last choices."""

    def __init__(self, core: CommandCore, composer: DigestComposer | None = None, charts_dir: Path | None = None,
                 follows: Callable[[], tuple[Any, Any]] | None = None, sources: Callable[[], list] | None = None,
                 language: str | None = None):
        self.core = core.speaking(language) if language else core
        self.chosen = bool(language and i18n.match(language))  # a language given (--language, LANGUAGE, /language)
        self.sources = sources  # the followed sources, for /feeds (None: none are followed)
        self.composer = composer  # over a state in memory: a preview records nothing
        # Opens state.db for the follow commands, on the first of them only (nothing else here records
        # anything): bot.follows.commands.FollowCommands for chat CONSOLE_CHAT, and the Matcher that
        # looks for what landed before /alerts answers.
        self.open_follows = follows
        self.follows: Any = None
        self.matcher: Any = None
        self.choices: list[Choice] = []
        self.charts_dir = charts_dir  # where charts are written (a new temporary folder by default)
        self.charts = 0

    @property
    def t(self) -> Translator:
        return self.core.t

    def reply(self, line: str) -> str:
        line = line.strip()
        n = number(line)
        if n is not None and self.choices:
            if 1 <= n <= len(self.choices):
                return self.choices[n - 1].pick()
            return self.t._("Choose a number from 1 to {n}.", n=len(self.choices))
        if line.startswith("@"):
            return self.inline(line[1:])
        parsed = parse_command(line)
        if parsed is None:
            return self.show(Answer(self.t._(NOT_A_COMMAND)))
        if parsed[0] == "digest" and self.composer is not None:
            return self.show(Answer(self.digest_preview()))
        if parsed[0] in {"feeds", "addsource", "removesource"}:
            return self.show(self.feeds(parsed[0]))
        if parsed[0] == "language":
            return self.show(self.language(parsed[1]))
        follow = self._follow_answer(*parsed)
        return self.show(follow if follow is not None else self.core.answer(*parsed))

    def language(self, args: str) -> Answer:
        """/language for the session: the choice, or a switch (`/language de`, `/language auto`)."""
        how = language_answers.CHOSEN if self.chosen else language_answers.DEFAULT
        if not args.strip():
            return language_answers.picker(self.t, how, private=False)
        code = language_answers.wanted(args)
        if code is None:
            return language_answers.unknown(args, self.t)
        return self.switch(code)

    def switch(self, code: str) -> Answer:
        self.chosen = code != language_answers.AUTO
        self.core = self.core.speaking(code if self.chosen else None)
        return language_answers.changed(self.t, language_answers.CHOSEN if self.chosen else language_answers.DEFAULT)

    def _follow_answer(self, command: str, args: str) -> Answer | None:
        """/follow and friends for the console's own chat; alerts are not sent here, /alerts lists them."""
        args = " ".join(args.split())
        if command == "start" and args.lower().startswith("follow-"):
            command, args = "follow", args[len("follow-"):].replace("-", " ").replace("_", " ")
        if command not in FOLLOW_COMMANDS or not self._follows():
            return None
        t = self.t
        if command == "follow":
            return self.follows.follow(CONSOLE_CHAT, args, t=t)
        if command == "following":
            return self.follows.following(CONSOLE_CHAT, t)
        if command == "unfollow":
            return self.follows.unfollow(CONSOLE_CHAT, args, t)
        if command == "quiet":
            return self.follows.quiet(CONSOLE_CHAT, args, t)
        if self.matcher is not None:
            self.matcher.check()  # what `briefbot build` added since
        answer = self.follows.alerts(CONSOLE_CHAT, t=t)
        return Answer(answer.html + "\n\n<i>" + t._("The console sends no alerts by itself: /alerts lists what matched "
                                                     "since the last look. Alert messages, batching and quiet hours "
                                                     "work in Telegram.") + "</i>", answer.buttons)

    def feeds(self, command: str) -> Answer:
        """/feeds lists the followed sources; adding and removing them is for administrators in Telegram,
        or `briefbot sources` on this machine."""
        if command != "feeds":
            return Answer(self.t._(feeds_answers.IN_TELEGRAM))
        return feeds_answers.feeds_page(self.sources() if self.sources else [], t=self.t)

    def _press_feeds(self, data: str) -> str:
        return self.show(feeds_answers.feeds_callback(self.sources() if self.sources else [], data, self.t))

    def digest_preview(self) -> str:
        """The digest a chat subscribing now would get (every new document, else a spotlight)."""
        digest = self.composer.digest_for(0, only_news=False, language=self.t)
        if digest.empty:
            return self.t._("A digest now would be empty: the store holds no documents yet.")
        blocks = [part for part in digest.parts if not is_photo_part(part)]
        for part in digest.parts:  # the weekly chart: written to a PNG file, its caption shown
            photo = self.composer.voices.photo(part) if is_photo_part(part) else None
            if photo is not None:
                blocks.append(photo[1] + "\n" + render.escape(self.save_chart(Photo(photo[0], []))))
        return ("<i>" + self.t._("Preview of the digest a chat subscribing now would get (nothing is recorded; "
                                 "/subscribe works in a Telegram chat):") + "</i>\n\n" + "\n\n".join(blocks))

    def show(self, answer: Answer) -> str:
        """The answer as plain text, its buttons (or quiz options) as numbered choices."""
        self.choices = []
        if answer.poll is not None:
            text = render.to_plain(answer.html).splitlines()[0]
            self.choices = [Choice(o, self._quiz_pick(answer.poll, i)) for i, o in enumerate(answer.poll.options)]
        else:
            text = render.to_plain(answer.html)
            if answer.photo is not None:
                text += "\n" + self.save_chart(answer.photo)
            for row in answer.buttons:
                for button in row:
                    if button.callback is not None:
                        self.choices.append(Choice(button.label, self._press(button.callback)))
                    elif button.switch_inline is not None:
                        self.choices.append(Choice(self.t._("{label} (inline: @ {query})", label=button.label,
                                                            query=button.switch_inline),
                                                   self._inline(button.switch_inline)))
        if self.choices:
            text += "\n\n" + "\n".join(f"  [{i}] {c.label}" for i, c in enumerate(self.choices, 1))
        return text

    def save_chart(self, photo: Photo) -> str:
        """A chart written to a PNG file: its path, and the same numbers as sparklines."""
        if self.charts_dir is None:
            self.charts_dir = Path(tempfile.mkdtemp(prefix="briefbot-charts-"))
        self.charts += 1
        path = self.charts_dir / f"chart-{self.charts}.png"
        path.write_bytes(photo.png)
        return "\n".join([*photo.sparklines, self.t._("Chart: {path}", path=path)])

    def inline(self, query: str) -> str:
        """What `@bot QUERY` offers in Telegram: each result is a choice that shows its message."""
        results = self.core.inline_results(query)
        self.choices = [Choice(f"{r.title} — {r.description}", self._show_html(r.html)) for r in results]
        if not results:
            return self.t._("Inline mode has nothing for that query.")
        return self.t._("Inline results:") + "\n" + "\n".join(f"  [{i}] {c.label}" for i, c in enumerate(self.choices, 1))

    def _follows(self) -> bool:
        if self.follows is None and self.open_follows is not None:
            self.follows, self.matcher = self.open_follows()
        return self.follows is not None

    def _press(self, data: str) -> Callable[[], str]:
        if data.startswith(feeds_answers.FEEDS_CALLBACK + ":"):
            return lambda: self._press_feeds(data)
        if data.startswith(language_answers.CALLBACK):
            code = language_answers.from_button(data)
            return lambda: self.show(self.switch(code) if code else Answer(self.t._(EXPIRED)))
        if data.startswith(FOLLOW_BUTTONS) and self._follows():
            return lambda: self.show(self.follows.answer_callback(CONSOLE_CHAT, data, t=self.t))
        return lambda: self.show(self.core.answer_callback(data))

    def _inline(self, query: str) -> Callable[[], str]:
        return lambda: self.inline(query)

    def _show_html(self, html: str) -> Callable[[], str]:
        return lambda: self.show(Answer(html))

    def _quiz_pick(self, poll: QuizPoll, option: int) -> Callable[[], str]:
        def pick() -> str:
            self.choices = []
            verdict = (self.t._("Right!") if option == poll.correct
                       else self.t._("No — it was {answer}.", answer=poll.options[poll.correct]))
            return f"{verdict}\n{poll.explanation}"
        return pick


def run(core: CommandCore, stdin: TextIO, stdout: TextIO, interactive: bool,
        composer: DigestComposer | None = None, follows: Callable[[], tuple[Any, Any]] | None = None,
        sources: Callable[[], list] | None = None, language: str | None = None) -> None:
    chat = ConsoleChat(core, composer, follows=follows, sources=sources, language=language)
    stdout.write(chat.t._("Briefbot console. Type /help for the commands, /quit to leave.") + "\n")
    while True:
        if interactive:
            stdout.write("\n> ")
        stdout.flush()
        line = stdin.readline()
        if not line:
            break
        parsed = parse_command(line)
        if parsed and parsed[0] in QUIT:
            break
        if line.strip():
            stdout.write(chat.reply(line) + "\n")
            if not interactive:
                stdout.write("\n")
    stdout.flush()


def main(settings: Settings, store: Store) -> None:
    """Chat with the store on the terminal until /quit or end of input."""
    from bot.delivery.clock import SystemClock
    from bot.follows.commands import FollowCommands
    from bot.follows.matching import Matcher
    from bot.follows.state import FollowState
    from bot.store.changes import StoreWatch

    opened: list[StateStore] = []

    def open_follows() -> tuple[FollowCommands, Matcher]:
        state = StateStore(settings.state_db)
        opened.append(state)
        follows = FollowState(state)
        clock = SystemClock()
        matcher = Matcher(StoreWatch(settings.briefing_db), follows, clock)
        matcher.check()  # the first look records the store as it is: only what lands later alerts
        return FollowCommands(store, follows, state, clock, settings.alert_batch_minutes), matcher

    try:
        run(CommandCore(store), sys.stdin, sys.stdout, interactive=sys.stdin.isatty(),
            composer=DigestComposer(store, StateStore(":memory:")), follows=open_follows,
            sources=followed_sources(settings), language=settings.language or None)
    finally:
        for state in opened:
            state.close()


def followed_sources(settings: Settings) -> Callable[[], list]:
    """The sources state.db lists (read when asked; nothing is created when there is no state.db yet)."""
    def listed() -> list:
        if not settings.state_db.is_file():
            return []
        from bot.sources.registry import SourceRegistry

        registry = SourceRegistry(settings.state_db)
        try:
            return registry.sources()
        finally:
            registry.close()
    return listed
