"""A fake Bot API (a local aiohttp app recording PTB's calls) and the updates Telegram would send."""
from __future__ import annotations

import itertools
import json
import time

from aiohttp import web
from telegram import Update

TOKEN = "123456:UNIT-test-token-never-logged"
BOT = {"id": 666, "is_bot": True, "first_name": "Briefbot", "username": "BriefTestBot",
       "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True}


class FakeBotApi:
    """Records calls as (method, params) and answers them; `refuse` holds methods to fail with 400."""

    def __init__(self):
        self.calls: list[tuple[str, dict]] = []
        self.refuse: set[str] = set()
        self.unauthorized = False  # answer every call as Telegram does for a revoked token
        self.message_ids = itertools.count(1000)
        self.url = ""

    def calls_of(self, method: str) -> list[dict]:
        return [params for name, params in self.calls if name == method]

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = {}
            for key, value in (await request.post()).items():
                try:
                    params[key] = json.loads(value)
                except (TypeError, ValueError):
                    params[key] = value
        self.calls.append((method, params))
        if self.unauthorized:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        if method in self.refuse:
            return web.json_response({"ok": False, "error_code": 400, "description": f"Bad Request: {method} refused"},
                                     status=400)
        return web.json_response({"ok": True, "result": self.result(method, params)})

    def result(self, method: str, params: dict):
        if method == "getMe":
            return BOT
        if method in {"sendMessage", "sendPoll", "editMessageText", "sendPhoto"}:
            message = {"message_id": params.get("message_id") or next(self.message_ids), "date": int(time.time()),
                       "chat": {"id": int(params["chat_id"]), "type": "private"}, "from": BOT}
            if method == "sendPoll":
                message["poll"] = {"id": "1", "question": params["question"], "options": [
                    {"text": o["text"] if isinstance(o, dict) else o, "voter_count": 0, "persistent_id": str(i)}
                    for i, o in enumerate(params["options"])],
                    "total_voter_count": 0, "is_closed": False, "is_anonymous": False, "type": "quiz",
                    "allows_multiple_answers": False,
                    "allows_revoting": False, "members_only": False}  # required by PTB 22.8 (Bot API 9.6, 10.0)
            elif method == "sendPhoto":
                message["photo"] = [{"file_id": "p1", "file_unique_id": "p1", "width": 800, "height": 450}]
                message["caption"] = params.get("caption", "")
            else:
                message["text"] = params["text"]
            return message
        return True


class Updates:
    """Constructs the updates Telegram would send."""

    ids = itertools.count(1)

    @classmethod
    def message(cls, text: str, *, chat_id: int = 1, chat_type: str = "private", user_id: int = 1,
                thread_id: int | None = None, command: bool | None = None, edited: bool = False,
                reply_to: dict | None = None) -> dict:
        message = {
            "message_id": next(cls.ids), "date": int(time.time()), "text": text,
            "chat": {"id": chat_id, "type": chat_type, **({"title": "Group"} if chat_type != "private" else {})},
            "from": {"id": user_id, "is_bot": False, "first_name": "Ann"},
        }
        if command if command is not None else text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if thread_id:
            message.update(message_thread_id=thread_id, is_topic_message=True)
            message["chat"]["is_forum"] = True
        if reply_to:
            message["reply_to_message"] = reply_to
        if edited:
            message["edit_date"] = int(time.time())
        return {"update_id": next(cls.ids), ("edited_message" if edited else "message"): message}

    @classmethod
    def callback(cls, data: str, *, chat_id: int = 1, user_id: int = 1, message_id: int = 99) -> dict:
        return {"update_id": next(cls.ids), "callback_query": {
            "id": str(next(cls.ids)), "chat_instance": "ci", "data": data,
            "from": {"id": user_id, "is_bot": False, "first_name": "Ann"},
            "message": {"message_id": message_id, "date": int(time.time()), "text": "old",
                        "chat": {"id": chat_id, "type": "private"}, "from": BOT}}}

    @classmethod
    def inline(cls, query: str, user_id: int = 1) -> dict:
        return {"update_id": next(cls.ids), "inline_query": {
            "id": str(next(cls.ids)), "query": query, "offset": "",
            "from": {"id": user_id, "is_bot": False, "first_name": "Ann"}}}


async def feed(application, data: dict) -> None:
    await application.process_update(Update.de_json(data, application.bot))
