"""The store's tables and indexes, and the version that names this layout."""
from __future__ import annotations

import sqlite3

SCHEMA_VERSION = "6"  # 6: documents' url, outlet, author; stories (5 was taken by a branch)

TABLES = """
create table documents (id integer primary key, path text, title text, sha256 text, published text, credits text,
    added_at text, sort_date text, words integer, paragraphs integer, people integer, quotes integer,
    url text, outlet text, author text);
create table document_order (position integer primary key, document_id integer references documents(id));
create table paragraphs (id integer primary key, document_id integer references documents(id), idx integer,
    start integer, "end" integer, text text);
create table people (id integer primary key, name text, role text, mentions integer, quotes integer,
    documents integer, paragraphs integer, labels text);
create table name_postings (token text, mentions integer, quotes integer, person_id integer references people(id));
create table name_vocabulary (token text primary key, people integer);
create table aliases (person_id integer references people(id), alias text);
create table mentions (person_id integer references people(id), document_id integer references documents(id),
    paragraph integer, start integer, "end" integer, ord integer);
create table person_documents (person_id integer references people(id), document_id integer references documents(id),
    first_paragraph integer, mentions integer, sort_date text, ord integer);
create table person_paragraphs (person_id integer references people(id),
    document_id integer references documents(id), paragraph integer, sort_date text, ord integer);
create table quotes (id integer primary key, person_id integer references people(id), speaker text,
    document_id integer references documents(id), paragraph integer, start integer, "end" integer, text text,
    words integer, strength integer, sort_date text);
create table key_points (document_id integer references documents(id), paragraph integer, rank integer, kind text,
    text text, start integer, "end" integer, score float);
create table person_records (id integer primary key, document_id integer references documents(id), ord integer,
    person_id integer references people(id), name text, name_key text, aliases text, role text, mentions integer);
create table alias_keys (key text, record_id integer references person_records(id));
create table meta (key text primary key, value text);
create table stories (document_id integer primary key, story integer, signature blob);
create table story_bands (band integer, document_id integer, primary key (band, document_id)) without rowid;
create table extraction_cache (key text primary key, versions text, extraction blob);
"""
# `document_order` numbers documents oldest first (by sort_date, then id), so that "the Nth newest" is
# one lookup. `people.labels` holds a person's name and aliases folded by `bot.store.names`, one per
# line; `name_postings` lists, for each folded name word and each whole label ("=" + label), the people
# who have it, in the order of the people index (most mentioned first); `name_vocabulary` counts the
# people of each word. Those three are
# what /who searches (see `bot.store.name_index.NameIndex`).
# `url`, `outlet` and `author` of a document are its front matter's (fetched articles; NULL for others), and
# `published` then holds the UTC instant of publication. `stories` and `story_bands` group documents
# carrying the same story (near-duplicates; see `bot.build.stories`).
# `person_records` and `alias_keys` are what extraction saw of each document's people (the input of
# `merge_people`), kept so that an incremental build can merge again only the people a change touches.

INDEXES = [  # (table, columns, unique): built after the bulk insert, which is faster than keeping them up
    ("documents", ["sort_date", "id"], False),
    ("documents", ["path"], True),
    ("paragraphs", ["document_id", "idx"], True),
    ("people", ["mentions desc", "quotes desc", "id"], False),
    ("name_postings", ["token", "mentions desc", "quotes desc", "person_id"], False),
    ("aliases", ["person_id"], False),
    ("mentions", ["person_id", "document_id", "paragraph"], False),
    ("person_documents", ["person_id", "sort_date", "document_id"], False),
    ("person_documents", ["document_id", "mentions"], False),
    ("person_paragraphs", ["person_id", "sort_date", "document_id", "paragraph"], False),
    ("quotes", ["person_id", "strength desc", "id"], False),
    ("quotes", ["document_id", "strength desc", "id"], False),
    ("quotes", ["sort_date", "strength"], False),
    ("key_points", ["document_id", "rank"], False),
    ("person_records", ["name_key"], False),
    ("person_records", ["document_id", "ord"], False),
    ("alias_keys", ["key"], False),
    ("alias_keys", ["record_id"], False),
    ("stories", ["story"], False),
]


def create_search(conn: sqlite3.Connection) -> None:
    """FTS5 (porter stemming) over paragraphs and quotes, with their tables as content (filled by the build)."""
    for table in ("paragraphs", "quotes"):
        conn.execute(f"create virtual table {table}_fts using fts5 (text, tokenize='porter', content={table})")


def create_indexes(conn: sqlite3.Connection) -> None:
    """The indexes, built after the bulk insert (faster than keeping them up during it)."""
    for table, columns, unique in INDEXES:
        name = "_".join(c.split()[0] for c in columns)
        listed = ", ".join(f'"{c.split()[0]}"' + (" desc" if c.endswith(" desc") else "") for c in columns)
        conn.execute(f'create {"unique " if unique else ""}index "idx_{table}_{name}" on "{table}" ({listed})')

