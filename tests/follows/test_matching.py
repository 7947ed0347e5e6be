"""Matching what lands in a real store against follows: people by identity across rebuilds and merges,
topics by stemmed words with exclusions; each alert queued once per chat, whatever the builds do."""
from __future__ import annotations

from bot.answers.render import to_plain
from bot.follows.matching import document_item_key

from .conftest import FOOTBALL, KYIV, make_world

GROUP, TOPIC_THREAD = -100200, 7


def test_a_new_quotation_of_a_followed_person_is_queued_once_for_each_chat(world):
    assert "Following" in world.commands.follow(1, "blinkin").html
    assert "Following" in world.commands.follow(GROUP, "Mr. Blinken", thread_id=TOPIC_THREAD).html
    assert world.pending(1) == [] and world.pending(GROUP) == []  # the seed article's quotations are the archive
    world.write("kyiv.txt", KYIV)
    world.build()
    report = world.matcher.check()
    assert report.documents == 1 and report.items == 2 and report.hits == 2  # one thing followed, two chats
    private, group = world.pending(1), world.pending(GROUP)
    assert [i.key for i in private] == [i.key for i in group] and len(private) == 2
    assert {i.thread_id for i in private} == {None} and {i.thread_id for i in group} == {TOPIC_THREAD}
    kind, html, _ = world.item(private[0].key)
    assert kind == "person" and "Anthony J. Blinken" in html and "Secretary of State" in html
    assert "We are here to listen" in html and "Blinken visits Kyiv" in html and "¶3" in html
    # Looking again, rebuilding from scratch (every id renumbered) and looking again: nothing more.
    assert world.matcher.check().items == 0
    world.build(full=True)
    again = world.matcher.check()
    assert again.documents == 0 and again.items == 0
    assert world.pending(1) == private


def test_one_follow_per_person_whatever_the_name_used(world):
    for name in ["Blinken", "Mr. Blinken", "Anthony J. Blinken", "blinkin"]:
        world.commands.follow(1, name)
    follows = world.follows.of_chat(1)
    assert len(follows) == 1 and follows[0].label == "Anthony J. Blinken"
    assert set(follows[0].labels) >= {"anthony j blinken", "blinken"}


def test_a_changed_document_alerts_only_its_new_quotations(world):
    world.commands.follow(1, "blinken")
    world.write("kyiv.txt", KYIV)
    world.build()
    world.matcher.check()
    assert len(world.pending(1)) == 2
    world.write("kyiv.txt", KYIV + "\n“We will be back before the winter, with more help,” Mr. Blinken said.\n")
    world.build()
    report = world.matcher.check()
    assert report.documents == 1 and report.items == 1
    assert len(world.pending(1)) == 3 and "back before the winter" in world.pending(1)[-1].html


def test_topics_match_stemmed_words_all_in_one_paragraph_and_exclusions_anywhere(world):
    world.commands.follow(1, "talk crimea")  # "talks" in the text: a form of "talk", as /search finds it
    world.commands.follow(2, "crimea -football")
    world.commands.follow(3, "crimea football")
    world.commands.follow(4, "crimea embassy")  # both are in KYIV, never in one paragraph
    world.write("kyiv.txt", KYIV)
    world.write("derby.txt", FOOTBALL)
    world.build()
    world.matcher.check()
    documents = {chat: [i.document for i in world.pending(chat)] for chat in (1, 2, 3, 4)}
    assert documents == {1: ["kyiv.txt"], 2: ["kyiv.txt"], 3: ["derby.txt"], 4: []}
    topic = world.follows.of_chat(1)[0]
    html = world.item(document_item_key("kyiv.txt", topic.key))[1]
    assert "Blinken visits Kyiv" in html  # the headline, and the sentence that matched:
    assert "“Secretary of State Anthony J. Blinken arrived in Kyiv on Wednesday for talks on Crimea" in html


def test_a_document_matching_two_topics_of_a_chat_alerts_it_once(world):
    world.commands.follow(1, "crimea")
    world.commands.follow(1, "counteroffensive")
    world.write("kyiv.txt", KYIV)
    world.build()
    world.matcher.check()
    assert len(world.pending(1)) == 2  # one for each topic, and the batch shows the document once:
    from bot.follows.alerts import one_per_document
    assert len(one_per_document(world.pending(1))) == 1


ONLY_SHORT = """Talks resume in Geneva

Diplomats met again in Geneva on Monday, officials said.

“We have made progress, though not as much as we hoped,” Mr. Blinken said after the meeting.
"""

FULL_NAME = """Secretary of State travels to Warsaw

Secretary of State Anthony J. Blinken arrived in Warsaw on Tuesday.

“Poland is a steadfast ally, and we are grateful for it,” Mr. Blinken said.
"""

LATER = """Blinken in Vilnius

Mr. Blinken spoke to reporters in Vilnius on Thursday.

“The alliance has never been stronger than it is today,” Mr. Blinken said.
"""


def test_a_follow_survives_its_person_merging_into_a_fuller_name_and_says_when_nobody_is_left(tmp_path):
    world = make_world(tmp_path, seeds={"geneva.txt": ONLY_SHORT})
    world.matcher.check()
    answer = world.commands.follow(1, "blinken")
    follow = world.follows.of_chat(1)[0]
    assert "Following" in answer.html and follow.key == "blinken"
    # A document names him in full: "Blinken" merges into "Anthony J. Blinken", under another person id.
    world.write("warsaw.txt", FULL_NAME)
    world.build()
    world.matcher.check()
    assert len(world.pending(1)) == 1 and "Poland is a steadfast ally" in world.pending(1)[0].html
    assert "now part of <b>Anthony J. Blinken</b>" in world.commands.following(1).html
    world.write("vilnius.txt", LATER)
    world.build(full=True)
    world.matcher.check()
    assert len(world.pending(1)) == 2
    # Every document about him gone: the follow stays, and says that it matches nobody.
    for name in ("geneva.txt", "warsaw.txt", "vilnius.txt"):
        (world.seeds / name).unlink()
    world.write("other.txt", FOOTBALL)
    world.build()
    world.matcher.check()
    listing = to_plain(world.commands.following(1).html)
    assert "Blinken" in listing and "matches nobody in the store now" in listing
    world.state.close()


def test_removed_and_unfollowed_follows_queue_nothing(world):
    world.commands.follow(1, "blinken")
    world.commands.follow(1, "crimea")
    assert "Unfollowed" in world.commands.unfollow(1, "1").html
    assert "Unfollowed" in world.commands.unfollow(1, "Crimea").html
    assert world.follows.of_chat(1) == []
    world.write("kyiv.txt", KYIV)
    world.build()
    world.matcher.check()
    assert world.pending(1) == []


def test_alerts_off_keeps_items_for_alerts_but_sends_none(world):
    world.commands.follow(1, "blinken")
    world.commands.toggle_alerts(1)
    world.write("kyiv.txt", KYIV)
    world.build()
    world.matcher.check()
    assert len(world.pending(1)) == 2
    assert world.delivery_due_chats() == {}  # off: passed over, never sent
    assert world.pending(1) == []
    listing = to_plain(world.commands.alerts(1).html)
    assert "We are here to listen" in listing and "No one should doubt" in listing


def test_the_digest_opens_with_what_the_follows_did_and_can_hold_only_that(world):
    from bot.delivery.digest import DigestComposer

    composer = DigestComposer(world.store, world.state)
    composer.follows = world.follows
    world.commands.follow(1, "blinken")
    world.commands.follow(2, "haines")  # nothing new from her
    world.write("kyiv.txt", KYIV)
    world.build()
    world.matcher.check()
    digest = composer.digest_for(1, False, world.clock.now())
    assert digest.parts[0].startswith("👣 <b>Following</b> — since your last digest")
    assert "We are here to listen" in digest.parts[0] and "📰 <b>Your digest</b> — " in "\n".join(digest.parts)
    assert len(digest.items["following"]) == 2
    world.state.mark_seen(1, digest.items)
    assert "Following" not in "\n".join(composer.digest_for(1, False, world.clock.now()).parts)  # shown once
    assert "Following" not in "\n".join(composer.digest_for(2, False, world.clock.now()).parts)
    # "Only what I follow": the section alone, and on a day the follows were quiet, nothing at all.
    world.commands.toggle_only_follows(2)
    assert composer.digest_for(2, False, world.clock.now()).parts == []
    world.commands.toggle_only_follows(1)
    world.write("kyiv2.txt", KYIV.replace("We are here", "We came here").replace("No one", "Nobody"))
    world.build()
    world.matcher.check()
    only = composer.digest_for(1, False, world.clock.now())
    text = "\n".join(only.parts)
    assert text.startswith("📰 <b>Your digest</b> — what you follow") and "We came here" in text
    assert "new document" not in text and "Spotlight" not in text


def test_quotations_of_a_chunk_are_its_documents_own_after_changes_in_place(world):
    """A document changed in place keeps its id but takes quotation ids after every other's: the
    first look reads each document's own range (one range over a chunk of ids once spanned the
    whole quotes table: 17 s and 1.1 GB at a million documents)."""
    import sqlite3

    from bot.store.changes import quote_texts

    world.write("1_kyiv.txt", KYIV)
    world.write("2_football.txt", FOOTBALL)
    world.write("3_later.txt", KYIV.replace("Kyiv", "Odesa"))
    world.build(full=True)
    world.write("1_kyiv.txt", KYIV.replace("on Wednesday", "on Thursday"))
    world.build()
    conn = sqlite3.connect(world.db)
    ids = dict(conn.execute("select path, id from documents"))
    low, high = sorted([ids["1_kyiv.txt"], ids["2_football.txt"]])
    assert not low <= ids["3_later.txt"] <= high
    quote_ids = dict(conn.execute("select path, first_quote from documents"))
    assert quote_ids["1_kyiv.txt"] > quote_ids["3_later.txt"] > quote_ids["2_football.txt"]  # moved past it
    read = list(quote_texts(conn, low, high))
    assert {d for d, _ in read} <= set(range(low, high + 1))
    expected = conn.execute("select sum(quotes) from documents where id between ? and ?", (low, high)).fetchone()[0]
    assert len(read) == expected and [d for d, _ in read] == sorted(d for d, _ in read)
