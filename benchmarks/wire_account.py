"""Accounting of the wire benchmark: which bot message answers which command, from the emulator's history.

The bot answers a command with one message or, when the answer is longer than a Telegram message
(render.split_message, e.g. a long /brief), with several; it may also answer with its flood-control
warning (handlers/throttle.py) or its apology for an error (handlers/errors.py). So bot messages are
not counted against commands: each is tied to the command it answers.
- In groups the bot quotes the asking message (PTB's reply_text quotes outside private chats), so a
  reply names its command: `reply_parameters.message_id`.
- In private chats nothing names the command, so a reply is tied by its text to the latest earlier
  command of that chat whose expected answer (computed beforehand with the bot's own CommandCore on
  the same store) holds that text and is still missing it (so that when a user repeats a command and
  one of the two goes unanswered, the unanswered one is the one reported; when both are answered at
  once, their latencies may be swapped); a warning or apology to the earliest earlier command left
  without any message; a reply whose text matches no expected answer, likewise by
  order. A command answered by a text other than its expected answer counts as answered, and apart
  (`differs`): the bot answered, but not what the benchmark expected.

Every command gets exactly one outcome (OUTCOMES); the unanswered ones get their cause.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

WARNING = "too fast"  # in handlers/throttle.py's warning: "You're sending commands too fast; ..."
SORRY = "Sorry, something went wrong"  # handlers/errors.py's apology

ANSWERED = "answered"
OUTCOMES = {
    ANSWERED: "answered (every part of its answer)",
    "partial": "answered in part (a part of a split answer missing)",
    "error": "the bot's error apology instead of an answer",
    "warned": "throttled by the bot's flood control (its warning)",
    "throttled": "throttled silently (after a warning to the same user, not served since)",
    "no reply": "fetched by the bot, never answered",
    "unread": "never fetched by the bot (still unread in the emulator)",
}


@dataclass
class Command:
    message_id: int
    update_id: int
    chat_id: int
    user_id: int
    text: str
    time: float  # ms, the emulator's clock
    fetched: bool
    expected: list[str] | None  # the answer's parts; None when unknown
    parts: list[tuple[float, str, str]] = field(default_factory=list)  # (time, kind, text) of its messages
    differs: bool = False  # answered by a message whose text is not in its expected answer
    silenced: bool = False  # no message, fetched, and its user was warned before and not served since
    missing: Counter = field(default_factory=Counter)  # expected parts not received yet (a multiset)

    def __post_init__(self) -> None:
        self.missing = Counter(self.expected or [])

    def attach(self, time: float, kind: str, text: str) -> None:
        self.parts.append((time, kind, text))
        if kind == "answer":
            if self.missing[text] > 0:
                self.missing[text] -= 1
            else:
                self.differs = True

    def outcome(self) -> str:
        kinds = {kind for _, kind, _ in self.parts}
        if "answer" in kinds:
            return ANSWERED if self.differs or not +self.missing else "partial"
        if "sorry" in kinds:
            return "error"
        if "warning" in kinds:
            return "warned"
        if not self.fetched:
            return "unread"
        return "throttled" if self.silenced else "no reply"

    def latency(self) -> float | None:
        """ms from the command stored to its (first) reply stored, in the emulator."""
        times = [t for t, kind, _ in self.parts if kind == "answer"]
        return min(times) - self.time if times else None


def kind_of(text: str) -> str:
    if WARNING in text:
        return "warning"
    if text.startswith(SORRY):
        return "sorry"
    return "answer"


def _quoted(message: dict) -> int | None:
    """The message id a bot message replies to (reply_parameters arrive as a JSON string in a form)."""
    raw = message.get("reply_parameters") or message.get("reply_to_message_id")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return None
    if isinstance(raw, dict):
        raw = raw.get("message_id")
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


@dataclass
class Accounting:
    commands: list[Command]
    extra: list[dict]  # bot messages tied to no command

    def outcomes(self, commands: list[Command] | None = None) -> Counter:
        return Counter(c.outcome() for c in (self.commands if commands is None else commands))


def account(history: list[dict], expected: dict[str, list[str]], skip_chats: set[int] = frozenset()) -> Accounting:
    """Tie every bot message in `history` (the emulator's getUpdatesHistory) to a command."""
    commands: dict[int, list[Command]] = {}
    bots: dict[int, list[dict]] = {}
    for item in history:
        message = item.get("message") or {}
        if "chat_id" in message:  # the bot's
            chat = int(message["chat_id"])
            if chat not in skip_chats:
                bots.setdefault(chat, []).append(item)
        elif "chat" in message:  # a user's
            chat = int(message["chat"]["id"])
            if chat not in skip_chats:
                text = str(message.get("text", ""))
                commands.setdefault(chat, []).append(Command(
                    int(item["messageId"]), int(item["updateId"]), chat, int((message.get("from") or {}).get("id", 0)),
                    text, float(item["time"]), bool(item.get("isRead")), expected.get(text)))
    extra: list[dict] = []
    for chat, items in bots.items():
        chat_commands = sorted(commands.get(chat, []), key=lambda c: c.message_id)
        by_id = {c.message_id: c for c in chat_commands}
        items.sort(key=lambda i: (i["time"], i["messageId"]))
        later: list[tuple[dict, str, str]] = []
        for item in items:  # 1. quoted (groups), or an expected text (private chats)
            text = str(item["message"].get("text", ""))
            kind = kind_of(text)
            target = by_id.get(_quoted(item["message"]))
            if target is None and kind == "answer":  # the latest: an earlier one left unanswered stays so
                target = next((c for c in reversed(chat_commands)
                               if c.message_id < item["messageId"] and c.missing[text] > 0), None)
            if target is None:
                later.append((item, kind, text))
            else:
                target.attach(float(item["time"]), kind, text)
        for item, kind, text in later:  # 2. the earliest earlier command left without any message
            target = next((c for c in chat_commands if c.message_id < item["messageId"] and not c.parts), None)
            if target is None:
                extra.append(item)
                continue
            target.attach(float(item["time"]), kind, text)
    every = sorted((c for cs in commands.values() for c in cs), key=lambda c: c.message_id)
    # A user refused after a warning gets nothing more until served again: silently throttled.
    warned: dict[int, bool] = {}
    for c in every:
        outcome = c.outcome()
        if outcome == "warned":
            warned[c.user_id] = True
        elif outcome in (ANSWERED, "partial", "error"):
            warned[c.user_id] = False
        elif outcome == "no reply" and warned.get(c.user_id):
            c.silenced = True
    return Accounting(every, extra)

