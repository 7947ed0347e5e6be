"""Hypothesis strategies for what a hostile or careless user can type."""
from __future__ import annotations

from hypothesis import strategies as st

MARKUP = ["<b>", "</b>", "<i>x</i>", "<a href=\"javascript:x\">", "</blockquote>", "<script>alert(1)</script>",
          "&amp;", "&", "&lt;", "&#0;", "&nbsp;", "<!--", "-->", "<![CDATA[", "<br/>", "*bold*", "_it_",
          "`code`", "```pre```", "[link](http://x)", "||spoiler||", "\\", "<", ">", "\"", "'"]
FTS5 = ["\"", "AND", "OR", "NOT", "NEAR(a b, 2)", "*", "^", "col:", "(", ")", "{a b}", "-", "+", "'", "\"\"",
        "crimea) OR (", "text MATCH 'x'", "%", "_", ";--"]
WORDS = ["blinken", "Blinken", "haines", "xi", "ukraine", "crimea", "diplomacy", "Anthony J. Blinken", "the",
         "2", "0", "007", "²", "١٢", "9" * 30, "-1", "who-blinken", "brief-2", "search-crimea", "quotes-x"]
CONTROL = st.characters(max_codepoint=0x1F) | st.sampled_from(["\x7f", "\u200b", "\u200e", "\u202e", "\ufeff",
                                                               "\u2028", "\u00ad", "\ufffd"])
ANY_CHAR = st.characters(blacklist_categories=("Cs",))  # Telegram delivers valid UTF-8 only

piece = st.one_of(st.sampled_from(MARKUP), st.sampled_from(FTS5), st.sampled_from(WORDS),
                  st.text(ANY_CHAR, max_size=12), st.text(CONTROL, max_size=4), st.just(" "))
phrase = st.lists(piece, max_size=8).map("".join)
# Arguments of up to 10k characters: a phrase repeated (escaping makes "&" or "<" five times longer).
long_phrase = st.tuples(phrase.filter(bool), st.integers(1, 10_000)).map(lambda t: (t[0] * t[1])[:10_000])
arguments = st.one_of(phrase, phrase, long_phrase, st.text(ANY_CHAR, max_size=200))
