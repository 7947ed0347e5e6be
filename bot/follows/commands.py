"""The answers of /follow, /following, /unfollow, /alerts and /quiet, written once for every front.

Handlers check who may change a chat's follows and send what these methods return; the methods
parse the arguments, change state.db and say what happened. Bad input changes nothing.
"""
from __future__ import annotations

from bot.answers import render
from bot.answers.choosing import TOPIC_MATCH, is_sure
from bot.answers.commands import Answer, Button, number
from bot.delivery.clock import Clock
from bot.delivery.slots import BadSchedule
from bot.delivery.state import StateStore
from bot.follows.alerts import batch_choice_after, item_block, parse_quiet
from bot.follows.items import quote_alert
from bot.follows.state import (
    MAX_FOLLOWS,
    PERSON,
    TOPIC,
    Follow,
    FollowState,
    TooManyFollows,
)
from bot.follows.topics import BadTopic, Stemmer, matching_sentence, parse_topic
from bot.i18n import ENGLISH, N_, Translator
from bot.models import QUOTABLE_CONFIDENCE, Source
from bot.store import changes
from bot.store.changes import StoreWatch
from bot.store.names import fold, name_tokens
from bot.store.queries import Store

CHOICES = 5
ALERTS_PAGE = 5
LAST_CANDIDATES = 30  # newest paragraphs looked at for a topic's last match (exclusions may rule some out)
# callback_data prefixes
FOLLOW_PERSON, FOLLOW_TOPIC, UNFOLLOW, ALERTS_PAGE_DATA = "fl:p:", "fl:t:", "uf:", "al:p:"
TOGGLE_ALERTS, NEXT_BATCH, TOGGLE_ONLY_FOLLOWS = "al:on", "al:batch", "dg:only_follows"
FOLLOW_USAGE = N_("Usage: /follow NAME or /follow TOPIC\n"
                  "For example: <code>/follow blinken</code>, <code>/follow crimea -football</code>")
NO_STORE = N_("The store holds no documents yet, so there is nobody to follow.")
GONE = N_("That person is no longer in the store. Send /who for everybody.")


def minutes_text(minutes: float, t: Translator = ENGLISH) -> str:
    if minutes <= 0:
        return t._("at once")
    if minutes < 1:
        return t._("{n} s", n=t.number(round(minutes * 60)))
    return t._("{n} min", n=t.number(round(minutes, 4)))


class FollowCommands:
    """Follows and alerts of chats, over the store and state.db."""

    def __init__(self, store: Store, follows: FollowState, state: StateStore, clock: Clock,
                 batch_minutes: float, stemmer: Stemmer | None = None):
        self.store = store
        self.follows = follows
        self.state = state
        self.clock = clock
        self.batch_minutes = batch_minutes
        self.stemmer = stemmer or Stemmer()
        self.watch = StoreWatch(store.path)

    # /follow ----------------------------------------------------------------------------------

    def follow(self, chat_id: int, args: str, thread_id: int | None = None, user_id: int | None = None,
               t: Translator = ENGLISH) -> Answer:
        args = " ".join(args.split())
        if not args:
            return Answer(t._(FOLLOW_USAGE))
        has_minus = any(w[:1] in "-−–" for w in args.split())
        matches = [] if has_minus or not name_tokens(args[:200]) else self.store.find_people(args[:200], limit=CHOICES)
        if matches and matches[0].score >= TOPIC_MATCH and is_sure(matches):
            return self.follow_person(chat_id, matches[0].id, thread_id, user_id, t)
        if matches:
            buttons = [[Button(render.shorten(m.name, 60), f"{FOLLOW_PERSON}{m.id}")] for m in matches]
            topic_data = FOLLOW_TOPIC + args
            if len(topic_data.encode()) <= render.CALLBACK_LIMIT:
                buttons.append([Button(render.shorten(t._("The words “{words}”", words=args), 60), topic_data)])
            return Answer(t._("Several people match “{asked}”. Whom should this chat follow?", asked=render.escape(args))
                          + "\n\n" + "\n".join(render.person_line(m, t=t) for m in matches), buttons)
        return self.follow_topic(chat_id, args, thread_id, user_id, t)

    def follow_person(self, chat_id: int, person_id: int, thread_id: int | None = None,
                      user_id: int | None = None, t: Translator = ENGLISH) -> Answer:
        conn = self.watch.look()
        row = changes.person(conn, person_id) if conn is not None else None
        if row is None:
            return Answer(t._(GONE))
        labels = changes.person_labels(row)
        try:
            follow, new = self.follows.add(chat_id, PERSON, fold(row.name), row.name, labels=labels,
                                           thread_id=thread_id, created_by=user_id, now=self.clock.now())
        except TooManyFollows:
            return self._too_many(t)
        role = f" ({render.escape(row.role)})" if row.role else ""
        names = ", ".join(render.escape(n) for n in dict.fromkeys([row.name, *row.aliases]))
        person = f"<b>{render.escape(row.name)}</b>{role}"
        head = (t._("✅ Following {person}", person=person) if new
                else t._("This chat already follows {person}.", person=person))
        lines = [head, t._("An alert comes with each new quotation of theirs (matched by the person, called {names}).",
                           names=names)]
        last = changes.latest_quote(conn, person_id, QUOTABLE_CONFIDENCE)
        if last is not None:
            quote, title, published = last
            document = changes.LandedDocument(0, "", "", title, published)
            lines.append("\n" + t._("<b>The last one would have been:</b>") + "\n" + quote_alert(quote, document, t)[0])
        else:
            lines.append("\n" + t._("The store has no quotation of theirs yet."))
        return Answer("\n".join(lines) + self._where(thread_id, new, t),
                      [[Button(t._("Unfollow"), f"{UNFOLLOW}{follow.id}")]])

    def follow_topic(self, chat_id: int, text: str, thread_id: int | None = None, user_id: int | None = None,
                     t: Translator = ENGLISH) -> Answer:
        try:
            topic = parse_topic(text, self.stemmer)
        except BadTopic as exc:
            return Answer(exc.html(t))
        try:
            follow, new = self.follows.add(chat_id, TOPIC, topic.key, topic.label, words=topic.stems,
                                           exclude=topic.excluded_stems, thread_id=thread_id, created_by=user_id,
                                           now=self.clock.now())
        except TooManyFollows:
            return self._too_many(t)
        label = f"<b>{render.escape(topic.label)}</b>"
        head = (t._("✅ Following the topic {topic}", topic=label) if new
                else t._("This chat already follows {topic}.", topic=label))
        quoted = [t.p_("quotation marks", "“{text}”", text=render.escape(w)) for w in topic.words]
        if len(quoted) > 1:
            rule = t._("a paragraph holding {words} (or forms of them, as /search finds them)",
                       words=t.p_("joining words a topic holds", " and ").join(quoted))
        else:
            rule = t._("a paragraph holding {word} (or a form of it, as /search finds it)", word=quoted[0])
        if topic.excluded:
            rule = t._("{rule}, in a document that never says {words}", rule=rule,
                       words=t.p_("joining words a topic leaves out", " or ").join(
                           t.p_("quotation marks", "“{text}”", text=render.escape(w)) for w in topic.excluded))
        lines = [head, t._("An alert comes with each new document with {rule}.", rule=rule)]
        last = self._last_for_topic(follow, t)
        if last:
            lines.append("\n" + t._("<b>The last one would have been:</b>") + "\n" + last)
        else:
            lines.append("\n" + t._("Nothing in the store matches it yet."))
        return Answer("\n".join(lines) + self._where(thread_id, new, t),
                      [[Button(t._("Unfollow"), f"{UNFOLLOW}{follow.id}")]])

    def _last_for_topic(self, follow: Follow, t: Translator = ENGLISH) -> str | None:
        conn = self.watch.look()
        if conn is None:
            return None
        words = follow.label.split(" -")[0].split()
        try:
            candidates = changes.latest_paragraphs(conn, words, LAST_CANDIDATES)
        except Exception:  # noqa: BLE001 - nothing to show is a fine answer
            return None
        for document_id, idx, text, title, published in candidates:
            if follow.exclude and self.stemmer.stem_sets([changes.document_text(conn, document_id)])[0] \
                    .intersection(follow.exclude):
                continue
            sentence = matching_sentence(text, follow.words, self.stemmer)
            source = changes.LandedDocument(document_id, "", "", title, published)
            return (f"📰 <b>{render.escape(render.shorten(title, 200))}</b>\n"
                    + t.p_("quotation marks", "“{text}”", text=render.escape(render.shorten(sentence, 400)))
                    + f"\n{render.cite(render_source(source, idx), t)}")
        return None

    def _where(self, thread_id: int | None, new: bool, t: Translator = ENGLISH) -> str:
        if not new:
            return ""
        return ("\n\n" + t._("Alerts go to this topic.") if thread_id is not None else "") + \
            "\n" + t._("/following lists this chat's follows; /settings sets how often alerts come.")

    def _too_many(self, t: Translator = ENGLISH) -> Answer:
        return Answer(t._("This chat follows {most} people and topics already, the most it can. /following lists "
                          "them, with buttons to unfollow.", most=t.number(MAX_FOLLOWS)))

    # /following and /unfollow -----------------------------------------------------------------

    def following(self, chat_id: int, t: Translator = ENGLISH) -> Answer:
        follows = self.follows.of_chat(chat_id)
        if not follows:
            return Answer(t._("This chat follows nobody and no topic. {person} or {topic} starts.",
                              person="<code>/follow blinken</code>", topic="<code>/follow crimea</code>"))
        conn = self.watch.look()
        lines = [t._("<b>This chat follows</b> ({count} of {most})", count=t.number(len(follows)),
                     most=t.number(MAX_FOLLOWS)), ""]
        buttons = []
        for n, f in enumerate(follows, 1):
            if f.kind == PERSON:
                person_id = changes.resolve_person(conn, list(f.labels)) if conn is not None else None
                if person_id is None:
                    note = " — " + t._("⚠️ matches nobody in the store now; kept in case they come back")
                else:
                    row = changes.person(conn, person_id)
                    note = "" if row is None or fold(row.name) == f.key else \
                        " — " + t._("now part of {person}", person=render.bold(render.escape(row.name)))
                lines.append(f"{n}. 👤 <b>{render.escape(render.shorten(f.label, 80))}</b>{note}")
            else:
                lines.append(f"{n}. 📌 {render.escape(render.shorten(f.label, 80))}")
            buttons.append([Button(render.shorten(f"✖ {n}. {f.label}", 60), f"{UNFOLLOW}{f.id}")])
        lines.append("\n" + t._("/unfollow N, or a button, stops one."))
        return Answer("\n".join(lines), buttons)

    def unfollow(self, chat_id: int, args: str, t: Translator = ENGLISH) -> Answer:
        args = " ".join(args.split())
        follows = self.follows.of_chat(chat_id)
        if not args:
            return Answer(t._("Usage: /unfollow NAME|TOPIC|N — /following lists what this chat follows, numbered."))
        n = number(args)
        if n is not None:
            if 1 <= n <= len(follows):
                return self.unfollow_id(chat_id, follows[n - 1].id, t)
            return Answer(t.n_("There is no follow {number}: this chat has {n}. See /following.",
                               "There is no follow {number}: this chat has {n}. See /following.", len(follows),
                               number=n))
        wanted = fold(args[:200])
        topic = None
        try:
            topic = parse_topic(args, self.stemmer)
        except BadTopic:
            pass
        for f in follows:
            if (f.kind == PERSON and wanted and (wanted == f.key or wanted in f.labels)) or \
                    (f.kind == TOPIC and topic is not None and topic.key == f.key):
                return self.unfollow_id(chat_id, f.id, t)
        matches = self.store.find_people(args[:200], limit=3) if name_tokens(args[:200]) else []
        keys = {fold(m.name) for m in matches}
        for f in follows:
            if f.kind == PERSON and f.key in keys:
                return self.unfollow_id(chat_id, f.id, t)
        return Answer(t._("This chat does not follow “{asked}”. /following lists what it does.",
                          asked=render.escape(args)))

    def unfollow_id(self, chat_id: int, follow_id: int, t: Translator = ENGLISH) -> Answer:
        removed = self.follows.remove(chat_id, follow_id)
        if removed is None:
            return Answer(t._("That follow is gone already. /following lists what this chat follows."))
        return Answer(t._("Unfollowed {label}: no more alerts on it. /following lists the rest.",
                          label=render.bold(render.escape(removed.label))))

    # /alerts, /quiet and settings --------------------------------------------------------------

    def alerts(self, chat_id: int, offset: int = 0, t: Translator = ENGLISH) -> Answer:
        items, total = self.follows.since_last_alert(chat_id, offset, ALERTS_PAGE)
        if total == 0:
            if self.follows.count(chat_id):
                return Answer(t._("No alerts since the last alert message."))
            return Answer(t._("No alerts since the last alert message. /follow a person or a topic to get some."))
        head = t._("<b>Alerts since the last alert message</b> ({range}, newest first)",
                   range=render.page_range(offset, len(items), total, t=t))
        blocks = [head]
        blocks += [item_block(i, t) for i in items]
        row = []
        if offset > 0:
            row.append(Button(t._("◀ Newer"), f"{ALERTS_PAGE_DATA}{max(0, offset - ALERTS_PAGE)}"))
        if offset + ALERTS_PAGE < total:
            row.append(Button(t._("Older ▶"), f"{ALERTS_PAGE_DATA}{offset + ALERTS_PAGE}"))
        return Answer(render.split_message("\n\n".join(blocks))[0], [row] if row else [])

    def quiet(self, chat_id: int, args: str, t: Translator = ENGLISH) -> Answer:
        args = " ".join(args.split())
        if not args:
            s = self.follows.settings(chat_id)
            now = (t._("Now: {start}–{end} ({zone})", start=s.quiet[0], end=s.quiet[1],
                       zone=render.escape(self._zone(chat_id))) if s.quiet else t._("Now: none"))
            return Answer(t._("Usage: {example} (in the chat's zone) or {off}. Alerts that come in quiet hours wait, "
                              "and arrive together when they end.", example="<code>/quiet 22:00-07:00</code>",
                              off="<code>/quiet off</code>") + "\n" + now)
        try:
            span = parse_quiet(args)
        except BadSchedule as exc:
            return Answer(exc.html(t))
        self.follows.update_settings(chat_id, quiet=None if span is None else f"{span[0]}-{span[1]}")
        if span is None:
            return Answer(t._("Quiet hours are off: alerts come whenever they are due."))
        zone = self._zone(chat_id)
        return Answer(t._("🌙 Quiet hours: {start}–{end} ({zone}). Alerts due then wait until {end}. The zone is the "
                          "chat's (/subscribe sets it, e.g. {example}).", start=span[0], end=span[1],
                          zone=render.escape(zone), example="<code>/subscribe 08:00 Europe/Kyiv</code>"))

    def _zone(self, chat_id: int) -> str:
        return self.state.chat_zone(chat_id) or "UTC"

    def settings_lines(self, chat_id: int, t: Translator = ENGLISH) -> list[str]:
        s = self.follows.settings(chat_id)
        minutes = self.batch_minutes if s.batch_minutes is None else s.batch_minutes
        lines = ["", t._("<b>Alerts</b>"), t._("Follows: {count} (/following)", count=t.number(self.follows.count(chat_id)))]
        if s.paused:
            lines.append(t._("⏸ Paused: {reason}. Turn alerts on again, or /follow, to resume.",
                             reason=render.escape(s.paused)))
        gathered = minutes_text(minutes, t)
        lines.append(t._("Alerts: on; gathered for {gathered}", gathered=gathered) if s.enabled else
                     t._("Alerts: off (kept for /alerts and the digest); gathered for {gathered}", gathered=gathered))
        lines.append(t._("Quiet hours: {start}–{end} ({zone})", start=s.quiet[0], end=s.quiet[1],
                         zone=render.escape(self._zone(chat_id))) if s.quiet
                     else t._("Quiet hours: none (/quiet 22:00-07:00 sets them)"))
        if s.only_follows:
            lines.append(t._("Daily digest: only what this chat follows"))
        return lines

    def settings_buttons(self, chat_id: int, t: Translator = ENGLISH) -> list[list[Button]]:
        s = self.follows.settings(chat_id)
        minutes = self.batch_minutes if s.batch_minutes is None else s.batch_minutes
        return [[Button(t._("Alerts off") if s.enabled and not s.paused else t._("Alerts on"), TOGGLE_ALERTS),
                 Button(t._("Gather: {length}", length=minutes_text(batch_choice_after(minutes), t)), NEXT_BATCH)],
                [Button(t._("Digest: everything") if s.only_follows else t._("Digest: only what I follow"),
                        TOGGLE_ONLY_FOLLOWS)]]

    def toggle_alerts(self, chat_id: int) -> None:
        s = self.follows.settings(chat_id)
        on = not (s.enabled and not s.paused)
        self.follows.update_settings(chat_id, enabled=int(on), **({"paused": None} if on else {}))

    def next_batch(self, chat_id: int) -> None:
        s = self.follows.settings(chat_id)
        minutes = self.batch_minutes if s.batch_minutes is None else s.batch_minutes
        self.follows.update_settings(chat_id, batch_minutes=batch_choice_after(minutes))

    def toggle_only_follows(self, chat_id: int) -> None:
        self.follows.update_settings(chat_id, only_follows=int(not self.follows.settings(chat_id).only_follows))

    # Buttons ----------------------------------------------------------------------------------

    def answer_callback(self, chat_id: int, data: str, thread_id: int | None = None,
                        user_id: int | None = None, t: Translator = ENGLISH) -> Answer:
        """The answer to a button of these commands (`changes()` tells which ones change the chat)."""
        if data.startswith(FOLLOW_PERSON) and number(data[len(FOLLOW_PERSON):]) is not None:
            return self.follow_person(chat_id, number(data[len(FOLLOW_PERSON):]), thread_id, user_id, t)
        if data.startswith(FOLLOW_TOPIC):
            return self.follow_topic(chat_id, data[len(FOLLOW_TOPIC):], thread_id, user_id, t)
        if data.startswith(UNFOLLOW) and number(data[len(UNFOLLOW):]) is not None:
            return self.unfollow_id(chat_id, number(data[len(UNFOLLOW):]), t)
        if data.startswith(ALERTS_PAGE_DATA) and number(data[len(ALERTS_PAGE_DATA):]) is not None:
            return self.alerts(chat_id, number(data[len(ALERTS_PAGE_DATA):]), t)
        return Answer(t._("That button has expired. Send the command again."))


def changes_follows(data: str) -> bool:
    """Whether a button changes the chat's follows (in groups, administrators only)."""
    return data.startswith((FOLLOW_PERSON, FOLLOW_TOPIC, UNFOLLOW))


def render_source(document: changes.LandedDocument, paragraph: int) -> Source:
    return Source(document.id, document.title, paragraph, document.published, document.url, document.outlet)
