"""Reported speech: what people are said to have said, with or without some quoted words.

    "Haines said Mr. Putin could claim a victory."          -> Haines: [Mr. Putin could claim a victory]
    "The plan is dead, Ms. Bigbee said on Monday."           -> Bigbee: [The plan is dead]
    "According to the ministry, the talks failed."           -> (no named source): [the talks failed]
    "Trump said he had “made a lot of money in down markets.”" -> mixed: [he had “made … markets.”]

Each reporting verb outside a quotation is read once: its source with the rules that attribute
quotations (bot.extract.speakers: the cue's subject, a pronoun's referent, "according to X"), and
its reported clause after it ("said (on Monday) (that) …" to the end of the sentence) or before it
("…, X said."). A clause that is all quotation is a direct quotation, already found; one that
quotes some words is "mixed". The work per verb is bounded, so the time stays linear.
"""
from __future__ import annotations

from bot.extract.confidence import assess
from bot.extract.lexicon import CUE_FILLERS, REPORTING_VERBS, SUBJECT_PRONOUNS
from bot.extract.speakers import NO_SPEAKER, SpeakerFinder
from bot.extract.tokens import LOWER, Token
from bot.models import Quote

# Verbs whose object is the one spoken to; the clause follows "that": "told reporters that …".
_ADDRESSEE_VERBS = frozenset("told tell tells telling warned warns warning assured assures reminded reminds "
                             "informed informs urged urges urging asked asks asking".split())
# Words that open an adverbial, not a reported clause: "said [in a statement]", "[In Iowa], Cruz said".
_ADVERBIALS = frozenset("""
in on at during after before with by from for of outside inside while when as since despite among
amid following without through within toward towards near aboard about over last this earlier later today
yesterday tonight recently repeatedly again once also then previously asked speaking sending onstage
afterward afterwards matter-of-factly
""".split())
_DENIALS = frozenset("not never n't declined refused".split())
_DAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
_SUBORDINATORS = frozenset("that after before when if because while as since what whether".split())
_INFINITIVE_VERBS = frozenset("pledged pledges vowed vows promised promises threatened threatens".split())
# Verbs whose reported clause may follow without "that" ("said the plan was dead"); the others take
# objects as often ("announced the steps", "denied the charges") and report a clause only with it.
_CLAUSE_VERBS = frozenset("""
said says say saying believes thinks argued argues arguing claimed claims claiming insisted insists
insisting suggested suggests suggesting predicted predicts predicting warned warns warning added adds
adding conceded concedes conceding contended contends asserted asserts stated states explained explains
""".split())
_TIMES = frozenset("morning afternoon evening night tonight today yesterday".split())
_CONTENT_REACH = 60  # tokens of a reported clause at most (a sentence without end is hostile text)
_SUBJECT_REACH = 40  # tokens back from a verb to the comma before its subject: "…, Ms. Bigbee said."
_MIN_WORDS = 3


def find_reported(text: str, tokens: list[list[Token]], finder: SpeakerFinder,
                  names: dict[int, str]) -> list[Quote]:
    """Reported statements of a document, in text order (kind "indirect" or "mixed")."""
    found: list[Quote] = []
    seen: set[tuple[int, int]] = set()
    titles: dict[tuple[int, int], bool] = {}  # (paragraph, sentence start) -> written in title case
    for p, toks in enumerate(tokens):
        for c, tok in enumerate(toks):
            if tok.lower not in REPORTING_VERBS or finder.in_quote(tok.start) \
                    or tok.is_capitalised and tok.lower not in ("according", "said", "says"):
                continue  # "United States" is no verb
            statement = _statement(text, p, toks, c, finder, names, titles)
            if statement is not None and (statement.start, statement.end) not in seen:
                seen.add((statement.start, statement.end))
                found.append(statement)
    return found


def _statement(text: str, p: int, toks: list[Token], c: int, finder: SpeakerFinder,
               names: dict[int, str], titles: dict[tuple[int, int], bool]) -> Quote | None:
    if _introduces_quotation(toks, c):
        return None  # "He said: “…”" (known before the paragraph's sentences are worked out)
    if _reports_nothing(toks, c):
        return None  # "He said abcd:" (known before the paragraph's sentences are worked out)
    para = finder.paragraph(p)
    number = para.sentence_of[c]
    sentence_start, sentence_end = para.sentences[number]
    n = len(toks)
    if _title_case(toks, sentence_start, sentence_end, titles):
        return None  # a headline: "Marco Rubio Responds To Question About Minimum Wage By Saying …"
    cue_first, cue_last = c, c
    if toks[c].lower == "according":
        if c + 1 >= n or toks[c + 1].lower != "to":
            return None
        cue_last = c + 1
        person = finder.source_after(p, c + 2)
        basis = "according"
        pattern = "according"
        comma = _next_comma(toks, c + 2, sentence_end)
        if c == sentence_start or toks[c - 1].lower in ("but", "and", "yet"):
            # "According to the ministry, the talks failed."
            if comma is None:
                return None
            span = (comma + 1, _clause_end(toks, comma + 1, sentence_end))
        elif c > sentence_start and toks[c - 1].text == ",":
            span = (sentence_start, c - 1)  # "The talks failed, according to the ministry."
            if comma is not None and sentence_end - comma > 3:
                # "Among the precedents at risk, according to Ms. Epstein, are 16 cases": the sentence
                span = (sentence_start, _clause_end(toks, comma + 1, sentence_end))
        else:
            return None
    else:
        previous = toks[c - 1].lower if c > sentence_start else ""
        if previous in ("that", "who", "which", "whom"):
            return None  # "a voice that said …", "officials who said …": not this clause's report
        words_before = toks[max(sentence_start, c - 3):c]
        if not _DENIALS.isdisjoint(map(LOWER, words_before)):
            return None  # "Reid would not say whether …": nothing was said
        if not REPORTING_VERBS.isdisjoint(map(LOWER, words_before)):
            return None  # "He says he believes …": the first verb reports it
        if c >= 2 and toks[c - 1].lower in SUBJECT_PRONOUNS and toks[c - 2].lower in _SUBORDINATORS:
            return None  # "… and that he thinks it would pass", "what she truly believes": inside another clause
        closed_quote = previous == "," or c - 2 >= sentence_start and toks[c - 1].kind == "quote" \
            and toks[c - 2].text == ","
        if closed_quote and c + 1 < sentence_end and not toks[c].lower.endswith("ing") \
                and _inverted(toks, c, sentence_end, finder, p):
            # "The plan is dead, said Ms. Bigbee." / "Belgium ''should have acted sooner,'' said Ralf Jäger."
            person = finder.source_after(p, c + 1)
            basis = "inverted"
            pattern = "inverted"
            span = (sentence_start, c - 1)
        else:
            # What was reported is found first (cheap), who reported it only when there is enough of it.
            after = _clause_start(toks, c, sentence_end)
            pattern = "after"
            if after is None and (c + 1 < n and (toks[c + 1].text == ":" or toks[c + 1].kind == "quote")
                                  or not any(t.text == "," for t in toks[max(sentence_start, c - _SUBJECT_REACH):c])):
                return None  # "…, Trump said: “…”" introduces a quotation; "He said." reports nothing here
            if after is not None:
                span = (after, _clause_end(toks, after, sentence_end))
                if not _reports_enough(toks, *span):
                    return None  # "He said no:": too short to report anything, whoever said it
            person, basis = finder.source_of_cue(p, c)
            if person is None:
                return None
            if after is None:
                comma = _comma_before_subject(toks, c, sentence_start, finder, p, person)
                if comma is None:
                    return None
                span = (sentence_start, comma)
                pattern = "before"
                close = _comma_after(toks, c, sentence_end)
                if close is not None and sentence_end - close > 2:
                    # "The only problem, Ms. Bigbee said, is that her pay is lower.": the sentence
                    span = (sentence_start, _clause_end(toks, close + 1, sentence_end))
                    pattern = "mid"
    first, end = span
    first = _content_start(toks, first, end)
    lead = first + 1 if first + 1 < end and toks[first].lower in ("but", "and", "yet", "so") else first
    if lead < end and span[0] == sentence_start and toks[lead].lower in _ADVERBIALS and basis != "according" \
            and not any(t.text == "," for t in toks[lead + 1:min(end, lead + 8)]):
        return None  # "But in Anaheim, Sanders said": an adverbial, not what was said
    if not _reports_enough(toks, first, end):
        return None
    while end < n and toks[end].kind == "quote" and toks[end].start == toks[end - 1].end:
        end += 1  # the closing mark after the period: he had “made a lot of money.”
    kind = _kind(toks[first:end], finder)
    if kind is None and first > 0 and toks[first - 1].lower == "that" and toks[first].kind == "quote":
        first -= 1  # "acknowledged that “just as we have seen …”": reported speech quoting it all
        kind = "mixed" if _kind(toks[first + 1:end], finder, quoted_only=True) else None
    if kind is None:
        return None  # all quotation: a direct quotation, found as such
    start, stop = toks[first].start, toks[end - 1].end
    speaker = names[person] if person is not None and person >= 0 else None
    evidence = f"reported:{pattern}" if pattern == basis else f"reported:{pattern}:{basis or 'none'}"
    keep, confidence = assess(evidence, speaker is not None)
    cue_start, cue_end = toks[cue_first].start, toks[cue_last].end
    return Quote(text[start:stop], start, stop, speaker if keep else None, p, kind=kind,
                 confidence=confidence, cue=text[cue_start:cue_end], cue_start=cue_start, cue_end=cue_end,
                 evidence=evidence)


def _content_start(toks: list[Token], first: int, end: int) -> int:
    """The first token of the reported clause toks[first:end] that is no punctuation leading it."""
    while first < end and toks[first].text in ",:;—–-":
        first += 1
    return first


def _reports_enough(toks: list[Token], first: int, end: int) -> bool:
    """Whether the clause toks[first:end] (leading punctuation set aside) has the length of a report."""
    words = end - _content_start(toks, first, end)
    return _MIN_WORDS <= words <= _CONTENT_REACH


def _reports_nothing(toks: list[Token], c: int) -> bool:
    """Whether the verb at c has fewer tokens after it in its paragraph than a report has words, and
    no comma before it to set off a report before it or to invert it (", said X"): "He said abcd:"
    reports nothing, whatever its sentence."""
    return len(toks) - c <= _MIN_WORDS and toks[c].lower != "according" \
        and "," not in map(LOWER, toks[max(0, c - _SUBJECT_REACH):c])


def _introduces_quotation(toks: list[Token], c: int) -> bool:
    """Whether the verb at c is followed by a colon and is no inverted attribution ("…, said:"):
    it introduces a quotation ("He said: “…”") and reports nothing itself, whatever its sentence."""
    return c + 1 < len(toks) and toks[c + 1].text == ":" and toks[c].lower != "according" \
        and not (c > 0 and (toks[c - 1].text == "," or toks[c - 1].kind == "quote"))


def _clause_start(toks: list[Token], c: int, end: int) -> int | None:
    """Where the clause reported after the verb at c begins, or None when the verb ends its clause
    ("…, she said.") or introduces a quotation of its own ("said: “…”", "said, “…”")."""
    k = c + 1
    if k >= end or toks[k].text in ",.;:!?)":
        return None
    verb = toks[c].lower
    if verb in _ADDRESSEE_VERBS:
        # "told reporters on Monday that …", "asked her whether …": the clause after its object.
        for j in range(k, min(end, k + 10)):
            if toks[j].lower == "that" or toks[j].lower in ("whether", "if") and verb.startswith("ask"):
                return (j + 1 if toks[j].lower == "that" else j) if j + 1 < end else None
            if toks[j].lower == "to" and verb.startswith("urg") and j > k:
                return k  # "urged Congress to act"
            if toks[j].text in ",.;:" or toks[j].kind == "quote":
                return None
        return None
    while k < end and (toks[k].lower in _DAYS or toks[k].lower in _TIMES or toks[k].kind == "num"
                       or toks[k].lower.endswith("ly") and not toks[k].is_capitalised):
        k += 1  # "said Wednesday he agrees", "said Tuesday morning that …", "said flatly that …"
    if k >= end or toks[k].text in ",.;:!?)":
        return None
    if toks[k].lower == "to" and verb in _INFINITIVE_VERBS and k + 1 < end:
        return k  # "pledged to make Apple build …", "vowed to keep abortion legal"
    if toks[k].lower in _ADVERBIALS or toks[k].lower == "to":
        # "said on Monday in a statement to the AP that …", "said Thursday during taping of a town
        # hall in Buffalo, New York, that …", "suggested to me that …": after "that".
        for j in range(k, min(end, k + 20)):
            if toks[j].lower == "that":
                return j + 1 if j + 1 < end else None
            if toks[j].text in ".;:" or toks[j].kind == "quote":
                return None
        return None
    if toks[k].lower == "that":
        return k + 1 if k + 1 < end else None
    if toks[k].lower in CUE_FILLERS or toks[k].lower in ("so", "nothing", "little", "much", "goodbye", "hello"):
        return None  # "said to be …", "said so", "said nothing"
    if verb.startswith("describ"):
        # "described the plan as a disaster": the object and what it was called
        return k if any(t.lower == "as" for t in toks[k + 1:min(end, k + 8)]) else None
    if verb not in _CLAUSE_VERBS and toks[k].lower not in SUBJECT_PRONOUNS and toks[k].lower != "there":
        return None  # "he announced the steps" (not "he announced he would run"): an object
    return k


def _clause_end(toks: list[Token], first: int, end: int) -> int:
    """The end of a reported clause: its sentence's end, before a closing period, before "; …" and
    before ", adding …" (a participle that reports something else)."""
    k = first
    limit = min(end, first + _CONTENT_REACH + 1)
    while k < limit:
        tok = toks[k]
        if tok.text == ";":
            return k
        if tok.text == "," and k + 1 < end and toks[k + 1].lower.endswith("ing") and toks[k + 1].lower in REPORTING_VERBS:
            return k
        if tok.lower in ("and", "but") and k > first and any(t.lower in REPORTING_VERBS for t in toks[k + 1:min(end, k + 3)]):
            return k - 1 if toks[k - 1].text == "," else k  # "… said that X, and said that Y"
        k += 1
    closing_mark = k < len(toks) and toks[k].kind == "quote" and toks[k].start == toks[k - 1].end
    if k > first and toks[k - 1].text in ".!?" and toks[k - 1].kind == "punct" and not closing_mark:
        k -= 1  # the closing period (one inside quotation marks stays: “… markets.”)
    return k


def _inverted(toks: list[Token], c: int, end: int, finder: SpeakerFinder, p: int) -> bool:
    """ "…, said Ms. Bigbee." / "…, said David Autor, a professor …": a speaker's phrase after the
    verb, ending its clause; not "…, noted that …" nor "Paradis, …, says she identifies as …"."""
    k = c + 1
    if not finder.opens_subject(p, k) or toks[k].lower == "that":
        return False
    mention = finder.mention_first.get((p, k))
    if mention is not None:
        k = mention.last + 1
    elif toks[k].lower in ("he", "she", "they"):
        k += 1
    else:  # "…, said a spokesman for the mayor."
        while k < end and k - c <= 8 and toks[k].kind == "word":
            k += 1
    return k >= end or toks[k].text in ",.;!?" or toks[k].lower == "of"


def _title_case(toks: list[Token], start: int, end: int, seen: dict) -> bool:
    """Whether the sentence is a headline in title case (worked out once per sentence)."""
    if end - start < 4:
        return False  # fewer than four words: no headline
    key = (id(toks), start)
    if key not in seen:
        words = [t for t in toks[start:min(end, start + 20)] if t.kind == "word" and len(t.text) > 3]
        seen[key] = len(words) >= 4 and sum(t.is_capitalised for t in words) >= 0.8 * len(words)
    return seen[key]


def _next_comma(toks: list[Token], k: int, end: int) -> int | None:
    for j in range(k, min(end, k + 16)):
        if toks[j].text == ",":
            return j
    return None


def _comma_after(toks: list[Token], c: int, end: int) -> int | None:
    """The comma right after "X said" in "The only problem, Ms. Bigbee said, is …" (after adjuncts)."""
    for j in range(c + 1, min(end, c + 6)):
        if toks[j].text == ",":
            return j
        if toks[j].kind != "word":
            return None
    return None


def _comma_before_subject(toks: list[Token], c: int, start: int, finder: SpeakerFinder, p: int,
                          person: int) -> int | None:
    """In "…, Akhil Johri, the chief financial officer, noted.": the comma before the verb's subject
    (the name of `person`, a pronoun, or a description when nobody named spoke), so that the clause
    before it is what was reported."""
    j = c - 1
    while j > start and c - j <= _SUBJECT_REACH:
        if toks[j].text == "," and finder.opens_subject(p, j + 1):
            mention = finder.mention_first.get((p, j + 1))
            if mention is not None and mention.person == person or mention is None and \
                    (toks[j + 1].lower in ("he", "she", "they", "we", "i") or person == NO_SPEAKER):
                return j
        if toks[j].kind == "quote" or toks[j].text in ".!?;":
            return None
        j -= 1
    return None


def _kind(words: list[Token], finder: SpeakerFinder, quoted_only: bool = False) -> str | None:
    """ "indirect" when nothing is quoted, "mixed" when some words are, None when all are (with
    `quoted_only`: True when the words are all a quotation of three words or more)."""
    if not quoted_only and not any(t.kind == "quote" for t in words) and not finder.in_quote(words[0].start):
        # No mark inside and not inside a quotation: nothing quoted (the usual case, made cheap).
        unquoted = sum(1 for t in words if t.kind in ("word", "num"))
        return "indirect" if unquoted >= _MIN_WORDS else None
    quoted = unquoted = 0
    for tok in words:
        if tok.kind == "quote":
            quoted += 1
        elif tok.kind in ("word", "num"):
            if finder.in_quote(tok.start):
                quoted += 1
            else:
                unquoted += 1
    if quoted_only:
        return unquoted == 0 and quoted >= _MIN_WORDS
    if quoted:
        return "mixed" if unquoted >= 2 else None
    return "indirect" if unquoted >= _MIN_WORDS else None
