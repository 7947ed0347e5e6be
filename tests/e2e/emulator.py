"""Driving the emulator: the front process (front.js before telegram-test-api), the real
`briefbot run` process pointed at it, and users acting through the emulator's client API.

These tests need Node.js and `npm install` in tests/e2e (what `make test` does). Without them the
tests fail with the reason, rather than skip, so CI cannot pass them silently.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

E2E = Path(__file__).resolve().parent
ROOT = E2E.parents[1]
SEED = ROOT / "seeds" / "000_7c73074e746b7734.txt"
TOKEN = "4242424242:AAE2e-Test_tok3n-never-in-logs"
BOT_USERNAME = "TestNameBot"  # what the emulator's getMe answers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Front:
    """The emulator behind front.js, running as a Node process on a free port."""

    def __init__(self, *args: str):
        node = shutil.which("node")
        if node is None or not (E2E / "node_modules" / "telegram-test-api").is_dir():
            pytest.fail("end-to-end tests need Node.js and `npm install` in tests/e2e (run `make test`)")
        self.process = subprocess.Popen([node, str(E2E / "front.js"), *args], cwd=E2E,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("listening "):
            self.stop()
            pytest.fail(f"the emulator front did not start: {line}")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"

    def post(self, path: str, payload: dict) -> dict:
        request = urllib.request.Request(self.url + path, json.dumps(payload).encode(),
                                         {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")

    def history(self) -> list[dict]:
        """Every stored message of the bot and (in polling mode) of its users, oldest first."""
        return self.post("/getUpdatesHistory", {"token": TOKEN})["result"]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@dataclass
class BotProcess:
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> str:
        """Stop the bot (as Ctrl-C would) and return everything it wrote."""
        if self.process.poll() is None:
            self.process.send_signal(2)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.log()


def start_bot(front: Front, tmp: Path, store: Path, **env: str) -> BotProcess:
    log_path = tmp / "bot.log"
    environment = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": f"{front.url}/bot",
        "BRIEFING_DB": str(store),
        "STATE_DB": str(tmp / "state.db"),
        "SEEDS_DIR": str(ROOT / "seeds"),
        "LOG_LEVEL": "DEBUG",  # the most talkative level: the token must stay out even here
        "WEBHOOK_URL": "",
        **env,
    }
    briefbot = Path(sys.executable).parent / "briefbot"
    with log_path.open("w") as log:
        process = subprocess.Popen([str(briefbot), "run"], cwd=tmp, env=environment,
                                   stdout=log, stderr=subprocess.STDOUT)
    return BotProcess(process, log_path)


@dataclass
class User:
    """A user in a chat, sending through the emulator's client API and reading the bot's replies."""

    front: Front
    chat_id: int
    user_id: int
    chat_type: str = "private"
    title: str = "Test chat"
    thread_id: int | None = None
    language: str | None = None  # the user's Telegram language (language_code), as clients send it
    seen: list[dict] = field(default_factory=list)

    def _message(self, text: str) -> dict:
        message = {
            "botToken": TOKEN,
            "date": int(time.time()),
            "from": {"id": self.user_id, "is_bot": False, "first_name": f"User{self.user_id}",
                     "username": f"user{self.user_id}",
                     **({"language_code": self.language} if self.language else {})},
            "chat": {"id": self.chat_id, "type": self.chat_type,
                     **({"title": self.title} if self.chat_type != "private" else {"first_name": "User"}),
                     **({"is_forum": True} if self.thread_id else {})},
            "text": text,
        }
        if self.thread_id:
            message.update(message_thread_id=self.thread_id, is_topic_message=True)
        return message

    def command(self, text: str) -> None:
        message = self._message(text)
        first = text.split(maxsplit=1)[0]
        message["entities"] = [{"offset": 0, "length": len(first), "type": "bot_command"}]
        self.front.post("/sendCommand", message)

    def say(self, text: str) -> None:
        self.front.post("/sendMessage", self._message(text))

    def press(self, bot_message: dict, data: str) -> None:
        """Press the inline button with callback `data` under `bot_message` (a record from replies)."""
        buttons = [b["callback_data"] for row in bot_message["message"]["reply_markup"]["inline_keyboard"]
                   for b in row if "callback_data" in b]
        assert data in buttons, f"no button {data!r} in {buttons}"
        self.front.post("/sendCallback", {
            "botToken": TOKEN,
            "from": self._message("")["from"],
            "data": data,
            "message": {"message_id": bot_message["messageId"], "date": int(time.time()),
                        "chat": self._message("")["chat"], "text": bot_message["message"]["text"],
                        "from": {"id": 666, "is_bot": True, "first_name": "Bot", "username": BOT_USERNAME}},
        })

    def replies(self, count: int = 1, timeout: float = 15.0) -> list[dict]:
        """The bot's next `count` messages to this chat (waits for them)."""
        got: list[dict] = []
        deadline = time.monotonic() + timeout
        while len(got) < count and time.monotonic() < deadline:
            got += self.front.post("/getUpdates", {"token": TOKEN, "chatId": self.chat_id})["result"]
            if len(got) < count:
                time.sleep(0.05)
        assert len(got) >= count, f"expected {count} replies in chat {self.chat_id}, got {got}"
        return got

    def reply(self, timeout: float = 15.0) -> dict:
        (message,) = self.replies(1, timeout)
        return message

    def silence(self, seconds: float = 1.5) -> None:
        """Assert the bot says nothing in this chat for `seconds`."""
        time.sleep(seconds)
        got = self.front.post("/getUpdates", {"token": TOKEN, "chatId": self.chat_id})["result"]
        assert got == [], f"expected silence, got {got}"

    def current(self, bot_message: dict) -> dict:
        """`bot_message` as it is now (after edits), from the emulator's history."""
        return next(r for r in self.front.history()
                    if r.get("messageId") == bot_message["messageId"] and "chat_id" in r.get("message", {}))


def text_of(record: dict) -> str:
    return record["message"]["text"]


def buttons_of(record: dict) -> dict[str, str]:
    """label → callback_data of a bot message's inline keyboard."""
    markup = record["message"].get("reply_markup") or {"inline_keyboard": []}
    return {b["text"]: b.get("callback_data", "") for row in markup["inline_keyboard"] for b in row}
