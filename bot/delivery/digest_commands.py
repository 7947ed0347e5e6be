"""The answers of /subscribe, /unsubscribe, /settings and /digest, written once for every front.

Handlers check who may change a chat's subscription and send what these methods return; the
methods parse the arguments, change state.db and say what happened. Bad input changes nothing.
"""
from __future__ import annotations

from datetime import datetime

from bot.answers import render
from bot.answers.commands import Answer, Button
from bot.delivery.clock import Clock
from bot.delivery.digest import Digest, DigestComposer
from bot.delivery.slots import (
    DEFAULT_TIME,
    BadSchedule,
    next_slot,
    parse_time,
    parse_zone,
    zone,
)
from bot.delivery.state import SENT, SKIPPED, UNDELIVERABLE, StateStore
from bot.i18n import ENGLISH, N_, Translator

TOGGLE_ONLY_NEWS = "dg:only_news"  # callback_data of the /settings button
NEXT_VOICES_DAY = "dg:voices"  # callback_data of the button that moves the weekly chart to the next day (or off)
SUBSCRIBE_USAGE = N_("Usage: /subscribe [HH:MM] [TIMEZONE]\n"
                     "For example: <code>/subscribe 07:30 Europe/Kyiv</code> or <code>/subscribe 18:00 UTC+3</code>")
STATUS_WORDS = {SENT: N_("delivered"), SKIPPED: N_("nothing to send"), UNDELIVERABLE: N_("could not be delivered")}


def _looks_like_time(token: str) -> bool:
    return token[:1].isdigit()


def _next_voices_day(day: int | None) -> int | None:
    """Monday … Sunday, then off, then Monday again."""
    if day is None:
        return 0
    return None if day == 6 else day + 1


def when_text(moment: datetime, tz: str, t: Translator = ENGLISH) -> str:
    return t.weekday_time(moment, zone(tz))


class DigestCommands:
    """Subscription commands over state.db and the digest composer."""

    def __init__(self, state: StateStore, composer: DigestComposer, clock: Clock):
        self.state = state
        self.composer = composer
        self.clock = clock

    def subscribe(self, chat_id: int, args: str, thread_id: int | None = None,
                  user_id: int | None = None, t: Translator = ENGLISH) -> Answer:
        """/subscribe [HH:MM] [TIMEZONE], in either order; missing parts keep the chat's current ones."""
        tokens = args.split()
        if len(tokens) > 2:
            return Answer(t._(SUBSCRIBE_USAGE))
        current = self.state.subscription(chat_id)
        time = current.time if current else DEFAULT_TIME
        tz = (current.tz if current else None) or self.state.chat_zone(chat_id) or "UTC"
        try:
            times = [parse_time(t) for t in tokens if _looks_like_time(t)]
            zones = [parse_zone(t) for t in tokens if not _looks_like_time(t)]
        except BadSchedule as exc:
            return Answer(f"{exc.html(t)}\n\n{t._(SUBSCRIBE_USAGE)}")
        if len(times) > 1 or len(zones) > 1:
            return Answer(t._(SUBSCRIBE_USAGE))
        time, tz = (times or [time])[0], (zones or [tz])[0]
        sub = self.state.subscribe(chat_id, time, tz, thread_id=thread_id, created_by=user_id, since=self.clock.now())
        _, first = next_slot(sub.time, sub.tz, self.clock.now())
        values = {"time": f"<b>{sub.time}</b>", "zone": render.escape(sub.tz), "first": when_text(first, sub.tz, t)}
        if thread_id is not None:
            return Answer(t._("✅ Subscribed in this topic: a daily digest at {time} ({zone}).\nThe first one comes "
                              "{first}. /settings shows and changes what it includes; /digest gives one right now.",
                              **values))
        return Answer(t._("✅ Subscribed: a daily digest at {time} ({zone}).\nThe first one comes {first}. /settings "
                          "shows and changes what it includes; /digest gives one right now.", **values))

    def unsubscribe(self, chat_id: int, t: Translator = ENGLISH) -> Answer:
        if not self.state.unsubscribe(chat_id):
            return Answer(t._("This chat has no daily digest. /subscribe starts one."))
        return Answer(t._("Unsubscribed: no more daily digests here. /subscribe brings them back."))

    def settings(self, chat_id: int, t: Translator = ENGLISH) -> Answer:
        sub = self.state.subscription(chat_id)
        only_news = self.state.chat_only_news(chat_id)
        includes = (t._("only new documents — nothing on days without news") if only_news else
                    t._("new documents; on days without news, a spotlight on a person and a quote"))
        lines = [t._("<b>Daily digest</b>")]
        if sub is None:
            saved = self.state.chat_zone(chat_id)
            lines.append(t._("Not subscribed. /subscribe [HH:MM] [TIMEZONE] starts one (saved zone: {zone}).",
                             zone=render.escape(saved)) if saved else
                         t._("Not subscribed. /subscribe [HH:MM] [TIMEZONE] starts one."))
        else:
            _, upcoming = next_slot(sub.time, sub.tz, self.clock.now())
            lines.append(t._("Time: {time} ({zone})", time=render.bold(sub.time), zone=render.escape(sub.tz)))
            if sub.paused:
                lines.append(t._("⏸ Paused: {reason}. /subscribe again to resume.",
                                 reason=render.escape(sub.pause_reason or t._("unknown reason"))))
            else:
                lines.append(t._("Next: {when}", when=when_text(upcoming, sub.tz, t)))
        lines.append(t._("Includes: {includes}", includes=includes))
        last = self.state.last_delivery(chat_id)
        if last is not None:
            status = t._(STATUS_WORDS[last.status]) if last.status in STATUS_WORDS else t._("being delivered")
            lines.append(t._("Last digest: {day}, {status}", day=t.iso_date(last.local_date), status=status))
        day = self.state.voices_day(chat_id)
        lines.append(t._("Voices of the week: a chart of the most quoted people, in the digest on {day}",
                         day=t.weekday(day)) if day is not None else t._("Voices of the week: off"))
        label = t._("Include the spotlight again") if only_news else t._("Only news, please")
        following = _next_voices_day(day)
        voices = (t._("Voices chart on {day}", day=t.weekday(following)) if following is not None else
                  t._("No voices chart"))
        return Answer("\n".join(lines), [[Button(label, TOGGLE_ONLY_NEWS)], [Button(voices, NEXT_VOICES_DAY)]])

    def next_voices_day(self, chat_id: int, t: Translator = ENGLISH) -> Answer:
        """The /settings button: the weekly chart moves to the next weekday, then off, then Monday again."""
        self.state.set_voices_day(chat_id, _next_voices_day(self.state.voices_day(chat_id)))
        return self.settings(chat_id, t)

    def toggle_only_news(self, chat_id: int, t: Translator = ENGLISH) -> Answer:
        self.state.set_only_news(chat_id, not self.state.chat_only_news(chat_id))
        return self.settings(chat_id, t)

    def digest_now(self, chat_id: int, t: Translator = ENGLISH) -> Digest:
        """The chat's digest now, outside the schedule; pass it to `received` once it was sent."""
        sub = self.state.subscription(chat_id)
        only_news = self.state.chat_only_news(chat_id) if sub is None else sub.only_news
        digest = self.composer.digest_for(chat_id, only_news, language=t)
        if digest.empty:
            return Digest(parts=[t._("Nothing new since your last digest.")])
        return digest

    def received(self, chat_id: int, digest: Digest) -> None:
        """The chat got `digest`: what it showed counts as seen (so the next one moves on)."""
        self.state.mark_seen(chat_id, digest.items)
