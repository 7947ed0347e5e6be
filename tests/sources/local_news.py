"""A local news site for the sources tests: a threaded HTTP server on 127.0.0.1 serving RSS feeds from a folder
(Last-Modified and If-Modified-Since, so a second read is a 304), and a story two outlets carry."""
from __future__ import annotations

import html
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

STORY = [
    "The harbour authority said on Tuesday that the old sea wall at Kettle Point will be rebuilt before winter, "
    "after storms in March tore a forty-metre gap in it and flooded the fish market twice in one week.",
    "“We will rebuild the harbour wall before the first winter storm, and we will build it higher,” said Marta Quell, "
    "the harbour master, at a meeting with traders and fishing crews on the quay.",
    "The work is expected to cost about 12 million euros, two thirds of it paid by the regional government and the "
    "rest from a levy on the cargo terminal that the council approved last autumn after a long debate.",
    "Traders on the quay said the flooding had cost them weeks of business, and several asked for compensation from "
    "the authority, which said it would consider each claim once the repairs had begun in earnest.",
    "Engineers from the port's own works department will start by shoring up the damaged section with rock armour, "
    "then pour a new concrete crown two metres above the old one, according to plans published on Tuesday.",
    "“The sea has been telling us for years that the wall was too low,” Ms. Quell said. “This time we are listening, "
    "and the quay will stay open while the crews work from barges on the seaward side.”",
    "The ferry to the islands will keep its timetable throughout the works, the operator said in a statement, "
    "though the evening crossing may leave from the north pier on days when cranes block the main berth.",
    "Residents of the old town, whose cellars flooded in March, welcomed the plan but asked for a second pump "
    "station, which the authority said it would study together with the council before the end of the year.",
]
FERRY = ["The ferry operator added an evening crossing to the islands for the summer season, and said fares would "
         "stay as they are until the autumn review of every route it runs from the harbour."] * 2


def edited(paragraphs: list[str]) -> list[str]:
    """The second outlet's copy: a paragraph dropped, a few words changed (wire copy, lightly edited)."""
    copy = [p.replace("on Tuesday", "this week").replace("said", "told reporters") for p in paragraphs]
    del copy[6]
    return copy


def rss(title: str, items: list[tuple[str, str, list[str], str]]) -> str:
    entries = "".join(
        f"<item><title>{html.escape(t)}</title><link>{link}</link><guid>{link}</guid><pubDate>{date}</pubDate>"
        f"<content:encoded>{html.escape(''.join(f'<p>{html.escape(p)}</p>' for p in body))}</content:encoded></item>"
        for t, link, body, date in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            f'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>{html.escape(title)}</title>'
            f"<link>https://example.org/</link><description>news</description>{entries}</channel></rss>")


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def publish(www: Path, base: str, with_story: bool) -> None:
    ferry = ("Evening ferry added for the summer", f"{base}/wire/ferry", FERRY, "Mon, 15 Apr 2024 06:00:00 GMT")
    wire_items, daily_items = [ferry], []
    if with_story:
        wire_items.insert(0, ("Harbour wall to be rebuilt before winter", f"{base}/wire/wall", STORY,
                              "Tue, 16 Apr 2024 09:00:00 GMT"))
        daily_items.append(("Kettle Point sea wall: repairs promised by winter", f"{base}/daily/wall", edited(STORY),
                            "Tue, 16 Apr 2024 11:30:00 GMT"))
    for name, title, items in (("wire.xml", "Coast Wire", wire_items), ("daily.xml", "Daily Tide", daily_items)):
        temp = www / f".{name}"
        temp.write_text(rss(title, items), encoding="utf-8")
        temp.replace(www / name)
    (www / "daily.html").write_text('<html><head><title>The Daily Tide</title><link rel="alternate" '
                                    'type="application/rss+xml" href="/daily.xml"></head><body><p>Home</p></body></html>')



@pytest.fixture
def news_site(tmp_path):
    """(folder served, base URL) of a local HTTP server."""
    www = tmp_path / "www"
    www.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(www)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
