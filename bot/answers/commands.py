"""The command core: one function per command, each returning an `Answer` written once.

Telegram handlers, inline mode and the console all call `answer` (for a typed command),
`answer_callback` (for a pressed button) and `inline_results`; none of them composes text itself.
`COMMANDS` is the single list behind /help and Telegram's command menu.
"""
from __future__ import annotations

import copy
import dataclasses
import hashlib
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timezone, tzinfo
from functools import partial

from rapidfuzz import fuzz, process, utils

from bot.answers import render
from bot.answers.choosing import TOPIC_MATCH, is_sure
from bot.answers.trend import DEFAULT_DAYS, MOST_DAYS, Chart, Subject, TrendAnswers
from bot.i18n import ENGLISH, N_, Translator
from bot.i18n import translator as translator_for
from bot.models import PersonMatch
from bot.store.queries import Store
from bot.store.search_text import NoUsableWords

PEOPLE_PAGE = 10
QUOTES_PAGE = 5
SEARCH_PAGE = 5
CHOICES = 5
SOURCES_SHOWN = 20  # /sources lists the newest documents, not a whole archive
LONGEST_NAME = 64  # a longer argument is cut before spelling comparisons: no name is that long
SUGGESTION_POOL = 500  # how many of the best-known people /who compares an unknown name with


@dataclass(frozen=True)
class Command:
    name: str
    args: str
    description: str
    example: str
    in_groups: bool = True  # offered in group chats' command menus
    admins_only: bool = False  # in groups, offered only to the chat's administrators


# The one list behind /help and setMyCommands. Other command families append their entries here.
COMMANDS: list[Command] = [
    Command("who", N_("[NAME]"), N_("who is who: role, aliases, mentions, quotes"), "/who blinken"),
    Command("quotes", N_("[NAME|TOPIC]"), N_("quotations by a person or about a topic"), "/quotes ukraine"),
    Command("search", N_("WORDS"), N_("paragraphs that mention the words, best first"), "/search crimea"),
    Command("brief", "[N]", N_("briefing of the newest (or Nth) document"), "/brief"),
    Command("sources", "", N_("the documents the bot knows, with dates"), "/sources"),
    Command("trend", N_("NAME|TOPIC [DAYS]"), N_("a chart of mentions per day; up to three, comma-separated"),
            "/trend blinken, lavrov"),
    Command("quiz", "", N_("a “Who said it?” quiz poll"), "/quiz"),
    Command("subscribe", N_("[HH:MM] [TIMEZONE]"), N_("a daily digest at your local time"), "/subscribe 07:30 Europe/Kyiv",
            admins_only=True),
    Command("unsubscribe", "", N_("stop the daily digest"), "/unsubscribe", admins_only=True),
    Command("settings", "", N_("digest time, zone, contents and last delivery"), "/settings"),
    Command("digest", "", N_("the digest right now"), "/digest"),
    Command("feeds", "", N_("the news sources the bot follows, and how each is doing"), "/feeds"),
    Command("addsource", N_("URL [NAME]"), N_("follow a feed or a site (administrators, in private)"),
            "/addsource https://www.example.com/news", in_groups=False),
    Command("removesource", N_("N|URL"), N_("stop following a source (administrators, in private)"), "/removesource 3",
            in_groups=False),
    Command("follow", N_("NAME|TOPIC"), N_("alerts when a person speaks or a topic comes up"), "/follow blinken",
            admins_only=True),
    Command("following", "", N_("what this chat follows, with buttons to stop"), "/following"),
    Command("unfollow", N_("NAME|TOPIC|N"), N_("stop following"), "/unfollow 2", admins_only=True),
    Command("alerts", "", N_("alerts since the last alert message"), "/alerts"),
    Command("quiet", N_("HH:MM-HH:MM|off"), N_("quiet hours: alerts wait until they end"), "/quiet 22:00-07:00",
            admins_only=True),
    Command("language", N_("[LANGUAGE]"), N_("the language the bot speaks in this chat"), "/language de"),
    Command("help", "", N_("this list"), "/help"),
    Command("start", "", N_("welcome"), "/start", in_groups=False),
]


NOT_A_COMMAND = N_("I answer commands. Try <code>/who blinken</code>, or send /help for the list.")
EXPIRED = N_("That button has expired. Send the command again.")
GONE = N_("That person is no longer in the store. Send /who for everybody.")


@dataclass(frozen=True)
class Button:
    """An inline button: exactly one of `callback` (callback_data) or `switch_inline` (a query)."""
    label: str
    callback: str | None = None
    switch_inline: str | None = None


@dataclass(frozen=True)
class QuizPoll:
    question: str
    options: list[str]
    correct: int
    explanation: str


@dataclass(frozen=True)
class Photo:
    png: bytes
    sparklines: list[str]  # the same numbers as text, for the console
    on_sent: Callable[[str], None] | None = None  # told Telegram's file_id once the photo is sent


@dataclass
class Answer:
    html: str  # the message, or a photo's caption
    buttons: list[list[Button]] = field(default_factory=list)
    poll: QuizPoll | None = None
    photo: Photo | None = None


@dataclass(frozen=True)
class InlineResult:
    id: str
    title: str
    description: str
    html: str  # the message; a photo's caption when there is a photo
    photo_file_id: str | None = None  # a photo Telegram already has (a chart sent before)


def help_text(t: Translator = ENGLISH) -> str:
    lines = [t._("<b>Briefbot</b> briefs you on the news it was given. Every answer cites its source."), ""]
    for c in COMMANDS:
        usage = f"/{c.name} {render.escape(t._(c.args) if c.args else '')}".rstrip()
        lines.append(t._("{usage} — {description}\n   e.g. {example}", usage=usage,
                         description=render.escape(t._(c.description)),
                         example=render.code(c.example)))
    lines.append("\n" + t._("In any chat, type @ and this bot's name, then a name, to share a person's card."))
    return "\n".join(lines)


def usage(name: str, t: Translator = ENGLISH) -> str:
    c = next(c for c in COMMANDS if c.name == name)
    command = f"/{c.name} {render.escape(t._(c.args) if c.args else '')}"
    return t._("Usage: {usage}\nFor example: {example}", usage=command, example=render.code(c.example))


def description(command: Command, t: Translator = ENGLISH) -> str:
    """A command's description in the command menu (Telegram takes 3-256 characters)."""
    return render.shorten(t._(command.description), 256)


def _pager(prefix: str, offset: int, size: int, total: int, tail: str = "", t: Translator = ENGLISH) -> list[Button]:
    """Previous/Next buttons; callback_data is `prefix:offset:` + `tail`, cut to fit 64 bytes.

    A search or topic longer than about 55 bytes is thus paged by its beginning only: Telegram
    allows no more, and keeping queries server-side would make old buttons die with a restart.
    """
    row = []
    if offset > 0:
        row.append(Button(t._("◀ Previous"), render.fit_callback(f"{prefix}:{max(0, offset - size)}:", tail)))
    if offset + size < total:
        row.append(Button(t._("Next ▶"), render.fit_callback(f"{prefix}:{offset + size}:", tail)))
    return row


def _rows(*rows: list[Button]) -> list[list[Button]]:
    return [r for r in rows if r]


def _back_to_card(person_id: int, t: Translator = ENGLISH) -> list[Button]:
    return [Button(t._("Back to the card"), f"p:{person_id}:")]


def _person_buttons(matches: list[PersonMatch]) -> list[list[Button]]:
    return [[Button(render.shorten(m.name, 60), f"p:{m.id}:")] for m in matches]


class CommandCore:
    """Answers to every command over one store, in one language (`t`); `speaking` gives the same core
    in another language (sharing the store, the random source and the charts)."""

    def __init__(self, store: Store, rng: random.Random | None = None, trends: TrendAnswers | None = None,
                 t: Translator = ENGLISH):
        self.store = store
        self.rng = rng or random.Random()
        self.trends = trends or TrendAnswers(store)
        self.t = t
        self._speaking: dict[str, CommandCore] = {t.code: self}

    def speaking(self, language: Translator | str | None) -> CommandCore:
        """This core answering in `language` (a Translator or a code; English for one the bot lacks)."""
        t = language if isinstance(language, Translator) else translator_for(language)
        if t.code == self.t.code:
            return self
        found = self._speaking.get(t.code)
        if found is None:
            found = copy.copy(self)
            found.t = t
            self._speaking[t.code] = found  # the copies share this dict
        return found

    def answer(self, command: str, args: str = "") -> Answer:
        """The answer to `/command args` (command without the slash or @BotName)."""
        args = " ".join(args.split())
        handler = getattr(self, f"cmd_{command.lower()}", None)
        if handler is not None:
            return handler(args)
        known = next((c for c in COMMANDS if c.name == command.lower()), None)
        t = self.t
        if known is not None:  # answered by another family (digests), which needs a Telegram chat
            return Answer(t._("/{command} ({description}) works in a Telegram chat: send it to the bot there, "
                              "e.g. {example}. Here, /digest shows what a digest would hold now.",
                              command=known.name, description=render.escape(t._(known.description)),
                              example=render.code(known.example)))
        return unknown_command(command, t)

    # --- commands -----------------------------------------------------------------------------

    def cmd_start(self, args: str) -> Answer:
        """/start, or a deep link: `who-blinken`, `quotes-ukraine`, `search-crimea`, `brief` (and
        `follow-blinken`, which the follow family answers, knowing the chat)."""
        if args:
            command, _, rest = args.partition("-")
            if command in {"who", "quotes", "search", "brief"}:
                return self.answer(command, rest.replace("-", " ").replace("_", " "))
        return Answer(self.t._("Hello! I brief you on the news I was given.") + "\n\n" + help_text(self.t))

    def cmd_help(self, args: str) -> Answer:
        return Answer(help_text(self.t))

    def cmd_who(self, args: str) -> Answer:
        if not args:
            return self.people_page(0)
        matches = self.store.find_people(args, limit=CHOICES)
        if matches and is_sure(matches):
            return self.person(matches[0].id)
        if matches:
            return Answer(render.choices(args, matches, self.t), _person_buttons(matches))
        suggestions = self.closest_people(args)
        return Answer(render.nobody(args, suggestions, self.t), _person_buttons(suggestions))

    def cmd_quotes(self, args: str) -> Answer:
        if args:
            matches = self.store.find_people(args, limit=CHOICES)
            if matches and matches[0].score >= TOPIC_MATCH and is_sure(matches):
                return self.quotes_by(matches[0].id, 0)
            speakers = [m for m in matches if m.score >= TOPIC_MATCH]
            if len(speakers) > 1:  # a surname two people share: the same choice /who offers
                return Answer(render.quote_choices(args, speakers, self.t),
                              [*([Button(render.shorten(m.name, 60), f"qp:0:{m.id}")] for m in speakers),
                               [Button(render.shorten(self.t._("Quotations about “{topic}”", topic=args), 60),
                                       render.fit_callback("qt:0:", args))]])
        return self.quotes_about(args, 0)

    def cmd_search(self, args: str) -> Answer:
        if not args:
            return Answer(usage("search", self.t))
        return self.search(args, 0)

    def cmd_brief(self, args: str) -> Answer:
        n = number(args)
        t = self.t
        if args and n is None and not _WHOLE_NUMBER.fullmatch(args):
            return Answer(usage("brief", t))
        b = self.store.brief(n) if n is not None or not args else None  # -1, 0 and 10**20 are no document
        if b is None:
            total = self.store.summary().get("documents", 0)
            if total == 0:
                return Answer(t._("The store holds no documents yet."))
            return Answer(t.n_("There is no document {asked}; the store holds {n}, and /sources lists them.",
                               "There is no document {asked}; the store holds {n}, and /sources lists them.",
                               total, asked=render.escape(render.shorten(args, 30))))
        return Answer(render.briefing(b, t))

    def cmd_sources(self, args: str) -> Answer:
        total = self.store.summary().get("documents", 0)
        return Answer(render.sources(self.store.sources(0, SOURCES_SHOWN), total, self.t))

    def cmd_trend(self, args: str) -> Answer:
        return self.trend(args)

    def trend(self, args: str, zone: tzinfo = timezone.utc, zone_name: str = "UTC") -> Answer:
        """/trend in the asking chat's zone (the days are its local days)."""
        found = self.trends.answer(args, zone, zone_name, self.t)
        if isinstance(found, Chart):
            return self._chart_answer(found, f"trend {args}")
        if isinstance(found, list):
            days = self.trends.parse(args, self.t)[1]
            return Answer(render.choices(args, found, self.t),
                          [[Button(render.shorten(m.name, 60), f"tr:{days}:{m.id}")] for m in found])
        return Answer(found or usage("trend", self.t))

    def trend_of(self, person_id: int, days: int) -> Answer:
        """The chart of one person (the card's Trend button, a choice among several)."""
        card = self.store.person_card(person_id, quote_limit=0, document_limit=0, statement_limit=0)
        if card is None or not 1 <= days <= MOST_DAYS:
            return Answer(self.t._(GONE))
        found = self.trends.chart([Subject(card.name, person_id, [])], days, timezone.utc, "UTC", self.t)
        if isinstance(found, Chart):
            return self._chart_answer(found, f"trend {card.name} {days}")
        return Answer(found)

    def _chart_answer(self, chart: Chart, inline_query: str) -> Answer:
        """A chart with a Share button: inline mode offers the photo Telegram was sent."""
        share = [[Button(self.t.p_("button", "Share"), switch_inline=render.shorten(inline_query, 200))]]
        return Answer(chart.caption, share,
                      photo=Photo(chart.png, chart.sparklines, partial(self.trends.remember_sent, chart.key)))

    def cmd_quiz(self, args: str) -> Answer:
        question = self.store.quiz_question(self.rng)
        if question is None:
            return Answer(self.t._("A quiz needs quotations from at least four people; the store has too few."))
        hit, others = question
        options = [render.shorten(n, 100) for n in [hit.speaker or "", *others]]
        self.rng.shuffle(options)
        correct = options.index(render.shorten(hit.speaker or "", 100))
        poll = QuizPoll(
            question=render.shorten(self.t._("Who said it? “{quotation}”", quotation=render.shorten(hit.text, 280)), 300),
            options=options,
            correct=correct,
            explanation=render.shorten(
                f"{hit.speaker}{', ' + hit.role if hit.role else ''} — {hit.source.title}, "
                f"¶{hit.source.paragraph + 1}", 200),
        )
        lines = [render.escape(poll.question)] + [f"{i}. {render.escape(o)}" for i, o in enumerate(options, 1)]
        return Answer("\n".join(lines), poll=poll)

    # --- pages (also reached by buttons) ------------------------------------------------------

    def person(self, person_id: int) -> Answer:
        card = self.store.person_card(person_id)
        t = self.t
        if card is None:
            return Answer(t._(GONE))
        row = [Button(t._("All quotes"), f"qp:0:{person_id}"), Button(t._("Mentions"), f"mn:0:{person_id}")]
        share = [Button(t._("Trend"), f"tr:{DEFAULT_DAYS}:{person_id}"),
                 Button(t.p_("button", "Share"), switch_inline=render.shorten(card.name, 60)),
                 Button(t.p_("button", "Follow"), f"fl:p:{person_id}")]
        return Answer(render.person_card(card, t), [row, share])

    def closest_people(self, name: str, limit: int = 3) -> list[PersonMatch]:
        """The names nearest in spelling to `name` among the best-known people, however far they are."""
        people = self.store.prominent_people(SUGGESTION_POOL)
        nearest = process.extract(name[:LONGEST_NAME], [p.name for p in people], scorer=fuzz.partial_token_sort_ratio,
                                  processor=utils.default_process, limit=limit)
        return [people[index] for _, _, index in nearest]

    def people_page(self, offset: int) -> Answer:
        matches, total = self.store.list_people(offset, PEOPLE_PAGE)
        return Answer(render.people_page(matches, offset, total, self.t),
                      _rows(*_person_buttons(matches), _pager("wl", offset, PEOPLE_PAGE, total, t=self.t)))

    def quotes_by(self, person_id: int, offset: int) -> Answer:
        """A page of the person's direct quotations, then of what they were reported to have said: one list,
        the quotations first, paged as one (a page may end the one and begin the other)."""
        card = self.store.person_card(person_id, quote_limit=0, document_limit=0, statement_limit=0)
        t = self.t
        if card is None:
            return Answer(t._(GONE))
        hits = self.store.quotes_by(person_id, offset, QUOTES_PAGE)[0] if offset < card.quote_total else []
        room = QUOTES_PAGE - len(hits)
        statements = (self.store.statements_by(person_id, max(0, offset - card.quote_total), room)[0]
                      if room and offset + QUOTES_PAGE > card.quote_total else [])
        total = card.quote_total + card.statement_total
        return Answer(render.person_quotes_page(card.name, hits, statements, offset, card.quote_total,
                                                card.statement_total, t),
                      _rows(_pager("qp", offset, QUOTES_PAGE, total, str(person_id), t), _back_to_card(person_id, t)))

    def quotes_about(self, topic: str, offset: int) -> Answer:
        """Quotes matching `topic`; with no topic, all quotes, newest documents first."""
        try:
            hits, total = (self.store.quotes_about(topic, offset, QUOTES_PAGE) if topic
                           else self.store.recent_quotes(offset, QUOTES_PAGE))
        except NoUsableWords:
            return Answer(self.t._("“{topic}” has no words I can look for. Try a name or plain words, e.g. {example}.",
                                   topic=render.escape(topic), example="<code>/quotes ukraine</code>"))
        t = self.t
        heading = t._("Quotes about {topic}", topic=render.escape(topic)) if topic else t._("All quotes")
        plan = self.store.search_plan(topic, "quotes_fts") if topic else None
        return Answer(render.quotes_page(heading, hits, offset, total, plan.ignored if plan else [], capped=bool(topic),
                                         t=t, newest_rows=plan.newest_rows if plan else 0),
                      _rows(_pager("qt", offset, QUOTES_PAGE, total, topic, t)))

    def mentions(self, person_id: int, offset: int) -> Answer:
        card = self.store.person_card(person_id, quote_limit=0, document_limit=0, statement_limit=0)
        t = self.t
        if card is None:
            return Answer(t._(GONE))
        hits, total = self.store.mentions(person_id, offset, SEARCH_PAGE)
        return Answer(render.mentions_page(card.name, hits, offset, total, t),
                      _rows(_pager("mn", offset, SEARCH_PAGE, total, str(person_id), t), _back_to_card(person_id, t)))

    def search(self, words: str, offset: int) -> Answer:
        try:
            plan = self.store.search_plan(words)
            hits, total = self.store.search(words, offset, SEARCH_PAGE)
            if total == 0 and len(plan.terms) > 1:  # no paragraph has them all: those with some of them
                hits, total = self.store.search(words, offset, SEARCH_PAGE, any_word=True)
                plan = dataclasses.replace(plan, any_word=True)
        except NoUsableWords:
            return Answer(self.t._("“{words}” has no words I can search for. Try plain words, e.g. {example}.",
                                   words=render.escape(words), example="<code>/search crimea</code>"))
        return Answer(render.search_page(words, hits, offset, total, plan, self.t),
                      _rows(_pager("sr", offset, SEARCH_PAGE, total, words, self.t)))

    # --- buttons and inline mode --------------------------------------------------------------

    def answer_callback(self, data: str) -> Answer:
        """The answer a button leads to. data is `kind:offset:rest` as written by `_pager`/`person`."""
        kind, _, rest = data.partition(":")
        offset, _, tail = rest.partition(":")
        n = number(offset)
        if n is None:
            return Answer(self.t._(EXPIRED))
        if kind == "p":
            return self.person(n)
        if kind == "wl":
            return self.people_page(n)
        if kind in {"qp", "mn"} and number(tail) is not None:
            return (self.quotes_by if kind == "qp" else self.mentions)(number(tail), n)
        if kind == "qt":
            return self.quotes_about(tail, n)
        if kind == "sr":
            return self.search(tail, n)
        if kind == "tr" and number(tail) is not None:
            return self.trend_of(number(tail), n)
        return Answer(self.t._(EXPIRED))

    def inline_results(self, query: str, limit: int = 10) -> list[InlineResult]:
        """`@bot QUERY`: the best matching person's card and their quotes, else quotes on the topic."""
        query = " ".join(query.split())
        if query.lower().startswith("trend "):
            return self._inline_chart(query[len("trend "):])
        if not query:
            people, _ = self.store.list_people(0, limit)
            return [self._card_result(p.id) for p in people]
        results = []
        matches = self.store.find_people(query, limit=CHOICES)
        speakers = [m for m in matches if m.score >= TOPIC_MATCH]
        if len(speakers) > 1 and not is_sure(matches):  # a name several people share: each one's card
            return [self._card_result(m.id) for m in speakers]
        if matches:
            person = matches[0]
            results.append(self._card_result(person.id))
            hits, _ = self.store.quotes_by(person.id, 0, limit - 1)
        else:
            try:
                hits, _ = self.store.quotes_about(query, 0, limit)
            except NoUsableWords:
                hits = []
        t = self.t
        for h in hits:
            results.append(InlineResult(
                id=f"q{h.id}", title=t._("{speaker}: “{quotation}”", speaker=h.speaker or t._("Unattributed"),
                                         quotation=render.shorten(h.text, 60)),
                description=f"{h.source.title}, ¶{h.source.paragraph + 1}", html=render.quote_block(h, t=t)))
        return results

    def _inline_chart(self, args: str) -> list[InlineResult]:
        """`@bot trend NAME`: the chart, when Telegram has it already (it was sent in a chat, whose
        Share button leads here), else its numbers in words."""
        found = self.trends.answer(args, timezone.utc, "UTC", self.t)
        if not isinstance(found, Chart):
            return []
        title = self.t._("Chart: {subject}", subject=render.shorten(args, 60))
        description = render.shorten(render.to_plain(found.caption).split("\n")[-1], 100)
        result_id = "t" + hashlib.sha1(repr(found.key).encode()).hexdigest()[:20]
        return [InlineResult(id=result_id, title=title, description=description, html=found.caption,
                             photo_file_id=self.trends.sent_file_id(found.key))]

    def _card_result(self, person_id: int) -> InlineResult:
        card = self.store.person_card(person_id)
        return InlineResult(id=f"p{card.id}", title=card.name, description=card.role or self.t._("Person card"),
                            html=render.person_card(card, self.t))


def unknown_command(command: str, t: Translator = ENGLISH) -> Answer:
    return Answer(t._("I don't know /{command}. Send /help for the list of commands.", command=render.escape(command)))


def number(text: str) -> int | None:
    """A document number, offset or id as typed or put in a button: ASCII digits only ("²" and "١"
    count as digits to str.isdigit but not to int), capped so SQLite can take it; None otherwise."""
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    return int(text)


_WHOLE_NUMBER = re.compile(r"-?[0-9]+")


COMMAND_NAME = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@(\w+))?(?:\s+|$)")


def parse_command(text: str) -> tuple[str, str] | None:
    """`/who@Bot blinken` → ("who", "blinken"); None when `text` is not a command."""
    m = COMMAND_NAME.match(text.strip())
    if not m:
        return None
    return m.group(1).lower(), text.strip()[m.end():]
