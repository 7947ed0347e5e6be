"""The validator itself: it must refuse what Telegram refuses, or the hostile-input tests prove nothing."""
import pytest
from telegram_html import callback_problems, problems, tags_not_from_text


@pytest.mark.parametrize("good", ["<b>bold</b> &lt;tag&gt; &amp; done", "<blockquote>q</blockquote>\n— <b>x</b>",
                                  "<i>a <b>b</b></i>", "<code>/who x</code>", "&#128512; fine"])
def test_accepts_what_telegram_accepts(good):
    assert problems(good) == []


@pytest.mark.parametrize("bad, why", [("<b>open", "unclosed"), ("<b><i>x</b></i>", "does not close"),
                                      ("a < b", "unescaped '<'"), ("fish & chips", "unescaped '&'"),
                                      ("x > y", "unescaped '>'"), ("<script>x</script>", "not one Telegram allows"),
                                      ("&nbsp;", "unknown entity"), ("<code><b>x</b></code>", "inside"),
                                      ("<br/>", "self-closing"), ("", "empty"), ("x" * 4097, "more than 4096"),
                                      ("<blockquote><blockquote>x</blockquote></blockquote>", "nested"),
                                      ("\ud800", "surrogate")])
def test_refuses_what_telegram_refuses(bad, why):
    assert any(why in p for p in problems(bad)), problems(bad)


def test_callback_data_bounds_and_leaked_tags():
    assert callback_problems("p:1:") == [] and callback_problems("x" * 65) and callback_problems("")
    assert tags_not_from_text("says <b>", "says &lt;b&gt;") == []
    assert tags_not_from_text("<b>Name</b>", "<b>Name</b>") == ["<b>", "</b>"]
