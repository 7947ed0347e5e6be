"""`briefbot console`: the bot's commands in a terminal chat, without Telegram.

Type commands as in Telegram (`/who blinken`). An answer's buttons are listed as numbered choices:
type the number to press one. `@ QUERY` shows what inline mode offers. `/quit` or end of input
leaves. Works the same with a pipe on stdin (no prompt is printed then), so scripts can drive it.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Callable, TextIO

from bot.answers import render
from bot.answers.commands import (
    NOT_A_COMMAND,
    Answer,
    CommandCore,
    QuizPoll,
    number,
    parse_command,
)
from bot.config import Settings
from bot.store.queries import Store

QUIT = {"quit", "exit"}
CONSOLE_CHAT = 0  # the console's one chat in state.db (no Telegram chat has id 0)
FOLLOW_COMMANDS = {"follow", "following", "unfollow", "alerts", "quiet"}
FOLLOW_BUTTONS = ("fl:", "uf:", "al:p:")


@dataclass
class Choice:
    label: str
    pick: Callable[[], str]  # what pressing it prints


class ConsoleChat:
    """One conversation: turns typed lines into printed answers, remembering the last choices."""

    def __init__(self, core: CommandCore, follows: Any = None, matcher: Any = None):
        self.core = core
        self.follows = follows  # bot.follows.commands.FollowCommands over state.db, for chat CONSOLE_CHAT
        self.matcher = matcher  # looks for what landed before /alerts answers
        self.choices: list[Choice] = []

    def reply(self, line: str) -> str:
        line = line.strip()
        n = number(line)
        if n is not None and self.choices:
            if 1 <= n <= len(self.choices):
                return self.choices[n - 1].pick()
            return f"Choose a number from 1 to {len(self.choices)}."
        if line.startswith("@"):
            return self.inline(line[1:])
        parsed = parse_command(line)
        if parsed is None:
            return self.show(Answer(NOT_A_COMMAND))
        follow = self._follow_answer(*parsed)
        return self.show(follow if follow is not None else self.core.answer(*parsed))

    def _follow_answer(self, command: str, args: str) -> Answer | None:
        """/follow and friends for the console's own chat; alerts are not sent here, /alerts lists them."""
        args = " ".join(args.split())
        if command == "start" and args.lower().startswith("follow-"):
            command, args = "follow", args[len("follow-"):].replace("-", " ").replace("_", " ")
        if command not in FOLLOW_COMMANDS or self.follows is None:
            return None
        if command == "follow":
            return self.follows.follow(CONSOLE_CHAT, args)
        if command == "following":
            return self.follows.following(CONSOLE_CHAT)
        if command == "unfollow":
            return self.follows.unfollow(CONSOLE_CHAT, args)
        if command == "quiet":
            return self.follows.quiet(CONSOLE_CHAT, args)
        if self.matcher is not None:
            self.matcher.check()  # what `briefbot build` added since
        answer = self.follows.alerts(CONSOLE_CHAT)
        return Answer(answer.html + "\n\n<i>The console sends no alerts by itself: /alerts lists what matched "
                      "since the last look. Alert messages, batching and quiet hours work in Telegram.</i>",
                      answer.buttons)

    def show(self, answer: Answer) -> str:
        """The answer as plain text, its buttons (or quiz options) as numbered choices."""
        self.choices = []
        if answer.poll is not None:
            text = render.to_plain(answer.html).splitlines()[0]
            self.choices = [Choice(o, self._quiz_pick(answer.poll, i)) for i, o in enumerate(answer.poll.options)]
        else:
            text = render.to_plain(answer.html)
            for row in answer.buttons:
                for button in row:
                    if button.callback is not None:
                        self.choices.append(Choice(button.label, self._press(button.callback)))
                    elif button.switch_inline is not None:
                        self.choices.append(Choice(f"{button.label} (inline: @ {button.switch_inline})",
                                                   self._inline(button.switch_inline)))
        if self.choices:
            text += "\n\n" + "\n".join(f"  [{i}] {c.label}" for i, c in enumerate(self.choices, 1))
        return text

    def inline(self, query: str) -> str:
        """What `@bot QUERY` offers in Telegram: each result is a choice that shows its message."""
        results = self.core.inline_results(query)
        self.choices = [Choice(f"{r.title} — {r.description}", self._show_html(r.html)) for r in results]
        if not results:
            return "Inline mode has nothing for that query."
        return "Inline results:\n" + "\n".join(f"  [{i}] {c.label}" for i, c in enumerate(self.choices, 1))

    def _press(self, data: str) -> Callable[[], str]:
        if self.follows is not None and data.startswith(FOLLOW_BUTTONS):
            return lambda: self.show(self.follows.answer_callback(CONSOLE_CHAT, data))
        return lambda: self.show(self.core.answer_callback(data))

    def _inline(self, query: str) -> Callable[[], str]:
        return lambda: self.inline(query)

    def _show_html(self, html: str) -> Callable[[], str]:
        return lambda: self.show(Answer(html))

    def _quiz_pick(self, poll: QuizPoll, option: int) -> Callable[[], str]:
        def pick() -> str:
            self.choices = []
            verdict = "Right!" if option == poll.correct else f"No — it was {poll.options[poll.correct]}."
            return f"{verdict}\n{poll.explanation}"
        return pick


def run(core: CommandCore, stdin: TextIO, stdout: TextIO, interactive: bool, follows: Any = None,
        matcher: Any = None) -> None:
    chat = ConsoleChat(core, follows, matcher)
    stdout.write("Briefbot console. Type /help for the commands, /quit to leave.\n")
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
    from bot.delivery.state import StateStore
    from bot.follows.commands import FollowCommands
    from bot.follows.matching import Matcher
    from bot.follows.state import FollowState
    from bot.store.changes import StoreWatch

    state = StateStore(settings.state_db)
    follows = FollowState(state)
    clock = SystemClock()
    commands = FollowCommands(store, follows, state, clock, settings.alert_batch_minutes)
    matcher = Matcher(StoreWatch(settings.briefing_db), follows, clock)
    matcher.check()  # the first look records the store as it is: only what lands later alerts
    try:
        run(CommandCore(store), sys.stdin, sys.stdout, interactive=sys.stdin.isatty(), follows=commands,
            matcher=matcher)
    finally:
        state.close()
