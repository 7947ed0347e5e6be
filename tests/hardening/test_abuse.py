"""Abuse through the Application `briefbot run` builds: a flooding user next to a normal one, users
without rights trying to change a group's digest or add documents, file names that try to escape
seeds/, and the token offered to the log at DEBUG on every error path."""
from __future__ import annotations

import asyncio
import functools
import re
import shutil
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import Update
from telegram.ext import AIORateLimiter
from telegram_fakes import Updates, feed

import bot.frontends.telegram_app as app_module
from bot.build import seed_files
from bot.delivery.state import StateStore
from bot.documents.uploads import RejectedUpload, save_seed
from handlers.digests import ADMINS_ONLY
from handlers.throttle import BURST, RATE, Throttle
from tests.digest.conftest import ADMIN, SEED, TOKEN
from tests.digest.test_handlers import GROUP, callback, document, message

FLOODER, NEIGHBOUR = 501, 502


class StoppedClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_flooding_user_is_slowed_while_another_is_served_in_full(make_app, server):
    application = await make_app()
    clock = StoppedClock()
    application.bot_data["throttle"] = Throttle(clock)
    flood = [Updates.message("/who xi", chat_id=FLOODER, user_id=FLOODER) for _ in range(30)]
    normal = [Updates.message("/who haines", chat_id=NEIGHBOUR, user_id=NEIGHBOUR) for _ in range(BURST)]
    interleaved = [u for i, u in enumerate(flood) for u in ([u, normal[i // 4]] if i % 4 == 0 else [u])]
    await asyncio.gather(*(feed(application, u) for u in interleaved))  # handled concurrently

    neighbour = server.fake.texts(NEIGHBOUR)
    assert len(neighbour) == BURST and all(t.startswith("<b>Avril D. Haines</b>") for t in neighbour)
    flooder = server.fake.texts(FLOODER)
    assert sum(t.startswith("<b>Xi Jinping</b>") for t in flooder) == BURST
    assert sum("too fast" in t for t in flooder) == 1 and len(flooder) == BURST + 1

    clock.now += 3 / RATE  # slowed, not banned: three seconds buy three more answers
    for _ in range(5):
        await feed(application, Updates.message("/who xi", chat_id=FLOODER, user_id=FLOODER))
    later = server.fake.texts(FLOODER)[BURST + 1:]
    assert sum(t.startswith("<b>Xi Jinping</b>") for t in later) == 3 and sum("too fast" in t for t in later) == 1


async def test_no_one_but_a_group_admin_changes_the_groups_digest(make_app, server, tmp_path):
    application = await make_app(admin_user_ids=frozenset({ADMIN}))
    server.fake.members[(GROUP, 5)] = "administrator"
    await feed(application, message("/subscribe 10:00", chat_id=GROUP, user_id=5))
    state = StateStore(tmp_path / "state.db")
    assert state.subscription(GROUP).time == "10:00"

    # The bot's own admin is just a member of this group; a user posting as their channel is not
    # the group itself (only an anonymous admin posts as the group); a member presses the button.
    server.fake.members[(GROUP, ADMIN)] = "member"
    await feed(application, message("/subscribe 06:00", chat_id=GROUP, user_id=ADMIN))
    await feed(application, message("/unsubscribe", chat_id=GROUP, user_id=136817688, sender_chat=-100999))
    await feed(application, callback(GROUP, 9, "dg:only_news"))
    sub = state.subscription(GROUP)
    assert (sub.time, sub.only_news) == ("10:00", False)
    assert server.fake.texts(GROUP)[-2:] == [ADMINS_ONLY, ADMINS_ONLY]
    state.close()


async def test_documents_are_taken_only_from_the_bots_admins_in_private(make_app, server, tmp_path):
    application = await make_app(admin_user_ids=frozenset({ADMIN}))
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    story = b"Harbour news\n\nMayor Ivan Brodsky opened the new harbour on Monday.\n"
    await feed(application, message("", chat_id=5, user_id=5, document=document(server.fake, "a", "a.txt", story)))
    server.fake.members[(GROUP, ADMIN)] = "administrator"
    await feed(application, message("", chat_id=GROUP, user_id=ADMIN,  # in a group, even from an admin
                                    document=document(server.fake, "b", "b.txt", story)))
    assert list(seeds.iterdir()) == []
    assert "Only the bot's administrators" in server.fake.texts(5)[-1]
    assert not [m for m, p in server.fake.calls if m == "getFile"]  # nothing was even downloaded


NAMES = st.one_of(st.text(max_size=60), st.sampled_from(["../../etc/x.txt", "..\\..\\x.md", "/etc/passwd.txt",
                                                         ".hidden.txt", "..txt", "a/./../b.html", "CON.txt",
                                                         "x.txt\x00.sh", "ü n i c ø d e.MD", " .txt"]))


READABLE_HTML = (b"<html><head><title>Some story</title></head><body><article><h1>Some story</h1><p>The mayor "
                 b"opened the new bridge over the river on Monday, and hundreds walked across it.</p></article>"
                 b"</body></html>")


def test_an_unreadable_upload_is_refused_and_not_kept(tmp_path):
    for name, data in [("story.txt", b"\xff\xfe binary \x00 junk"), ("page.html", b"<html><body></body></html>")]:
        with pytest.raises(RejectedUpload, match="cannot be read"):
            save_seed(tmp_path, name, data)
    assert list(tmp_path.iterdir()) == []


@settings(max_examples=200, deadline=None)
@given(name=NAMES, suffix=st.sampled_from([".txt", ".md", ".html", ".htm", ".TXT", "", ".sh", ".txt.exe"]))
def test_any_uploaded_name_lands_inside_seeds_under_a_safe_visible_name(tmp_path_factory, name, suffix):
    seeds = tmp_path_factory.mktemp("seeds")
    try:
        path, added = save_seed(seeds, name + suffix, READABLE_HTML if "htm" in suffix.lower() else b"Some story\n\nText.\n")
    except RejectedUpload:
        assert not suffix.lower() in {".txt", ".md", ".html", ".htm"} or not name + suffix
        assert list(seeds.iterdir()) == []
        return
    assert added and path.parent == seeds
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*\.(txt|md|html|htm)", path.name), path.name
    assert seed_files(seeds) == [path]  # the build will read it (not hidden, not elsewhere)


async def test_the_token_never_reaches_the_log_at_debug_on_any_error_path(make_app, server, redacted_stderr,
                                                                          monkeypatch):
    application = await make_app(rate_limit=True)
    for chat, fault in [(41, "500"), (42, "502"), (43, "403"), (44, "notfound"), (45, "timeout"),
                        (46, "migrate:-1046"), (47, "toolong")]:
        server.fake.faults[chat] = [fault]
        await feed(application, Updates.message("/who xi", chat_id=chat, user_id=chat))
    core = application.bot_data["core"]

    def leaky(*args):
        raise RuntimeError(f"failed calling https://api.telegram.org/bot{TOKEN}/sendMessage")

    monkeypatch.setattr(core, "answer", leaky)
    await feed(application, Updates.message("/who xi", chat_id=48, user_id=48))
    log = redacted_stderr()
    assert "Set Bot API URL" in log and "/bot<token>" in log  # PTB offered the token to the log ...
    assert log.count("Error while handling update") >= 6 and "failed calling" in log
    assert TOKEN not in log and TOKEN.split(":")[1] not in log  # ... and it never got through


async def test_a_busy_group_held_back_by_flood_control_does_not_stall_other_chats(make_app, server, monkeypatch):
    """Telegram allows 20 messages a minute per group, and the rate limiter holds the 21st reply back.
    Updates come from one queue: if they were handled one at a time, every other chat would wait
    behind that group. (Its window is shortened to 6 s here, so the test waits at most a second.)"""
    monkeypatch.setattr(app_module, "AIORateLimiter", functools.partial(AIORateLimiter, group_time_period=6))
    application = await make_app(rate_limit=True)
    await application.start()  # the real update loop, fed through its queue as polling would
    try:
        for n in range(25):  # five members, five commands each: none of them over the flood control
            user = 600 + n % 5
            await application.update_queue.put(Update.de_json(
                Updates.message("/who@briefbot xi", chat_id=-700, chat_type="supergroup", user_id=user),
                application.bot))
        await application.update_queue.put(Update.de_json(
            Updates.message("/who haines", chat_id=NEIGHBOUR, user_id=NEIGHBOUR), application.bot))
        await server.fake.wait_until(lambda: server.fake.texts(NEIGHBOUR), timeout=20)
        assert len(server.fake.texts(-700)) < 25  # answered while the group's last replies still wait
        await server.fake.wait_until(lambda: len(server.fake.texts(-700)) == 25, timeout=20)
    finally:
        await application.stop()
    order = [m.chat_id for m in server.fake.sent]
    assert order.index(NEIGHBOUR) < len(order) - 1


async def test_two_admins_uploading_at_once_both_end_up_in_the_store(make_app, server, tmp_path, monkeypatch):
    """Updates are handled concurrently, so two uploads can rebuild at once. Forced here: the first
    build has listed seeds/ before the second file is saved, and would swap its store in last."""
    import bot.build as store_module
    import bot.build.full_build as full_build
    import handlers.digests as digests_module

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(SEED, seeds / SEED.name)
    store_module.build(seeds, tmp_path / "briefing.db")  # its own store: this test rebuilds it
    application = await make_app(admin_user_ids=frozenset({ADMIN, ADMIN + 1}), briefing_db=tmp_path / "briefing.db")
    first_listed, second_built = threading.Event(), threading.Event()
    real_write, real_build, real_save = full_build.write_store, store_module.build, digests_module.save_seed
    writes = []

    def write(*args):
        writes.append(args)
        if len(writes) == 1:
            first_listed.set()
            second_built.wait(timeout=1)  # without one build at a time, the second finishes meanwhile
        return real_write(*args)

    def build(*args, **kwargs):
        report = real_build(*args, **kwargs)
        if len(writes) > 1:
            second_built.set()
        return report

    def save(seeds_dir, name, data):
        if name == "b.txt":
            first_listed.wait(timeout=5)
        return real_save(seeds_dir, name, data)

    monkeypatch.setattr(full_build, "write_store", write)
    monkeypatch.setattr(store_module, "build", build)
    monkeypatch.setattr(digests_module, "save_seed", save)
    stories = {name: f"{title}\n\nMayor Ivan Brodsky spoke about the {title.lower()} on Monday.\n".encode()
               for name, title in [("a.txt", "Harbour plan"), ("b.txt", "Bridge plan")]}
    await asyncio.gather(*(feed(application, message("", chat_id=ADMIN + n, user_id=ADMIN + n,
                                                        document=document(server.fake, name, name, data)))
                           for n, (name, data) in enumerate(stories.items())))
    titles = {s.title for s in application.bot_data["core"].store.sources()}
    assert {"Harbour plan", "Bridge plan"} <= titles
