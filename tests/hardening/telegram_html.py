"""What Telegram accepts as a message in HTML parse mode, checked with html.parser.

Telegram takes a small set of tags, properly nested, with every other `<`, `>` and `&` written as an
entity; the text after parsing is at most 4096 characters, and each button's callback_data at most
64 bytes. `problems` lists what is wrong with a message (empty when Telegram would take it).
"""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser

MESSAGE_LIMIT = 4096
CALLBACK_LIMIT = 64
ALLOWED = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
           "tg-emoji", "code", "pre", "blockquote"}
ENTITIES = {"lt", "gt", "amp", "quot"}  # the only named entities Telegram knows
VOID_INSIDE = {"code", "pre"}  # Telegram allows no other tags inside these


class _Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED:
            self.problems.append(f"tag <{tag}> is not one Telegram allows")
        if any(t in VOID_INSIDE for t in self.stack):
            self.problems.append(f"<{tag}> inside {self.stack}")
        if tag == "blockquote" and "blockquote" in self.stack:
            self.problems.append("nested <blockquote>")
        if tag == "a":
            # Briefbot's links: one href, an http(s) address (never javascript:, data: or file:), not nested.
            if [name for name, _ in attrs] != ["href"] or not re.match(r"https?://[^\s]+$", attrs[0][1] or "", re.I):
                self.problems.append(f"<a> with attributes {attrs!r}")
            if "a" in self.stack:
                self.problems.append("nested <a>")
        elif attrs:
            self.problems.append(f"<{tag}> with attributes {attrs!r}")
        self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.problems.append(f"self-closing <{tag}/>")

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> does not close the open {self.stack[-1:]}")
            return
        self.stack.pop()

    def handle_data(self, data):
        for raw in "<>&":
            if raw in data:
                self.problems.append(f"unescaped {raw!r} in text {data[:40]!r}")
        self.text.append(data)

    def handle_entityref(self, name):
        if name not in ENTITIES:
            self.problems.append(f"unknown entity &{name};")
        self.text.append(html.unescape(f"&{name};"))

    def handle_charref(self, name):
        self.text.append(html.unescape(f"&#{name};"))

    def handle_comment(self, data):
        self.problems.append("comment")

    def handle_decl(self, decl):
        self.problems.append("declaration")

    def handle_pi(self, data):
        self.problems.append("processing instruction")

    def unknown_decl(self, data):
        self.problems.append("unknown declaration")


def parse(message: str) -> tuple[str, list[str]]:
    """(the text Telegram would show, what is wrong with the markup)."""
    checker = _Checker()
    checker.feed(message)
    checker.close()
    problems = checker.problems
    if checker.rawdata:
        problems.append(f"unparsed rest {checker.rawdata[:40]!r}")
    if checker.stack:
        problems.append(f"unclosed tags {checker.stack}")
    return "".join(checker.text), problems


def problems(message: str) -> list[str]:
    """Everything Telegram would refuse in `message` as a text message in HTML parse mode."""
    text, found = parse(message)
    if not text.strip():
        found.append("empty message")
    if len(message) > MESSAGE_LIMIT:
        found.append(f"{len(message)} characters, more than {MESSAGE_LIMIT}")
    try:
        message.encode("utf-8")
    except UnicodeEncodeError:
        found.append("not valid UTF-8 (a lone surrogate)")
    return found


def callback_problems(data: str | None) -> list[str]:
    if data is None:
        return []
    size = len(data.encode("utf-8", errors="surrogatepass"))
    return [] if 1 <= size <= CALLBACK_LIMIT else [f"callback_data of {size} bytes"]


TAG = re.compile(r"</?(b|strong|i|em|u|ins|s|strike|del|span|tg-spoiler|a|tg-emoji|code|pre|blockquote)\b[^>]*>")


def tags_not_from_text(plain: str, message: str) -> list[str]:
    """Tags in a plain rendering of `message` that the message's own text does not contain,
    i.e. markup that leaked through instead of being dropped."""
    text, _ = parse(message)
    return [m.group(0) for m in TAG.finditer(plain) if m.group(0) not in text]
