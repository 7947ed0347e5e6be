"""The store's tables and indexes, and the version that names this layout.

Sized for a year of news (about two million documents): each fact is stored once, in the narrowest
form the answers can use.

- The story text of a document is kept once, compressed with a preset dictionary made from the
  store's first documents (`document_texts`, `text_dictionary`; see `bot.store.texts`); a paragraph is
  a slice of it (its spans are kept with it), and so are quotations and key points, whose own `text` is stored
  only where it differs from their slice. The full-text indexes are contentless: they hold the words
  and their places, and the answers take the text from `document_texts`.
- Dates that order documents are integers (`sort_date`, seconds since 1970, UTC); confidences are
  hundredths (one byte instead of a float's eight).
- Tables read by one key order are WITHOUT ROWID and keyed by that order (a person's paragraphs newest
  first, name postings most mentioned first), so the table is its own index.
- Small facts of one row go in that row, not in rows of their own: a row's key and header cost as
  much as a few offsets (a person's mentions in a document are a text in their `person_documents` row).
- The merge of people across documents is kept as counts (`names`, `name_roles`, `name_aliases`,
  `claims`, `name_groups`), so that adding or removing documents changes a few rows of counts
  instead of merging again every document that shares a name.
"""
from __future__ import annotations

import sqlite3

# 7: 5 (the layout for a year of news) with 6 (url, outlet, author; stories); 8: reported speech kept apart
# (`statements`), the confidence of quotations and statements, each person's and name's count of statements
# 9: stories of a week (`bot.build.stories.STORY_DAYS`), their bands keyed by week; 10: texts compressed with the
# store's dictionary, paragraph spans as lengths, search_shares' index a number, people without folded labels,
# the mentions' paragraphs in person_documents (`mentioned`) instead of a row each (person_paragraphs)
# 11: story_bands keyed by week first (a week's bands contiguous: see `bot.build.stories`); 12: names without
# their key and its index or the index of the name (name_groups lists each key's names), claims by the claiming
# name's id instead of its group's key, whole labels of 8 characters or more posted by an 8-byte digest,
# person_documents' `mentioned` as varints (a blob) instead of text, people without their count of documents
# (no answer read it); 13: search_shares without the words of `queries.FEW_ROWS` rows or fewer (counted in the
# index when asked), document_texts in parts of at most 600 bytes (pages filled to within half a part instead of
# half a text), the paragraph spans as varints ahead of the compressed text
SCHEMA_VERSION = "13"
PAGE_SIZE = 8192  # bytes: compressed texts (~2 KB) pack better than in 4096-byte pages, FTS leaves too

TABLES = """
create table documents (id integer primary key, path text, title text, sha256 text, stat integer, published text,
    credits text, added_at text, sort_date integer, words integer, paragraphs integer, people integer,
    quotes integer, first_paragraph integer, first_quote integer, url text, outlet text, author text);
create table document_texts (id integer primary key, text blob);
create table text_dictionary (dictionary blob);
create table document_order (position integer primary key, document_id integer);
create table skipped_files (path text primary key, sha256 text, stat integer, reason text) without rowid;
create table people (id integer primary key, name text, role text, aliases text, mentions integer, quotes integer,
    paragraphs integer, statements integer);
create table name_postings (token text, mentions integer, quotes integer, person_id integer,
    primary key (token, mentions desc, quotes desc, person_id)) without rowid;
create table name_vocabulary (token text primary key, people integer) without rowid;
create table person_documents (document_id integer, ord integer, person_id integer, name_id integer, aliases text,
    role text, mentions integer, paragraphs integer, first_paragraph integer, sort_date integer, mentioned blob,
    primary key (document_id, ord)) without rowid;
create table quotes (id integer primary key, document_id integer, ord integer, person_id integer, paragraph integer,
    start integer, "end" integer, words integer, strength integer, text text, speaker text, confidence integer);
create table statements (document_id integer, n integer, ord integer, person_id integer, paragraph integer,
    start integer, "end" integer, mixed integer, confidence integer, cue_start integer, cue_end integer,
    sort_date integer, text text, speaker text, primary key (document_id, n)) without rowid;
create table key_points (document_id integer, rank integer, paragraph integer, kind text, start integer,
    "end" integer, score float, text text, primary key (document_id, rank)) without rowid;
create table names (id integer primary key, name text, records integer, mentions integer, quotes integer,
    paragraphs integer, statements integer);
create table name_roles (name_id integer, role text, mentions integer, records integer,
    primary key (name_id, role)) without rowid;
create table name_aliases (name_id integer, alias text, records integer, primary key (name_id, alias)) without rowid;
create table claims (alias_key text, name_id integer, records integer, primary key (alias_key, name_id)) without rowid;
create table name_groups (key text primary key, target text, person_id integer, names) without rowid;
create table search_shares (fts integer, term text, rows integer, total integer, primary key (fts, term)) without rowid;
create table meta (key text primary key, value text);
create table stories (document_id integer primary key, story integer, signature blob);
create table story_bands (band integer, document_id integer, primary key (band, document_id)) without rowid;
"""
# documents: `path` relative to the seed folder; `stat` a hash of the file's size, times and inode
# when the build read it (NULL when it had changed less than a second before: read it again next
# time); `sort_date` the published date, else the file's mtime; paragraph i of a document is row
# `first_paragraph + i` of paragraphs_fts, its quotes are the ids `first_quote` onwards (NULL when
# it has none). document_texts: each paragraph's length in characters and, when it does not start two
# characters after the previous one ends, how far (varints, see `bot.store.texts.TextCodec`), then the story
# paragraphs' text, UTF-8 joined without separators and compressed as raw deflate with the dictionary in
# `text_dictionary` (its one row, made by the full build from its first documents and used unchanged by
# in-place updates: `bot.build.text_dictionary`); kept in parts of at most `TEXT_PART` bytes (a text of more
# than 16 parts has larger ones), part n of document d in row d × 16 + n (`bot.store.texts.text_rows`,
# read back by `stored_text`). `document_order` numbers
# documents oldest first (by sort_date, then id), so that "the Nth newest" is one lookup.
# `url`, `outlet` and `author` are a fetched article's front matter (NULL for other documents), and
# `published` then holds the UTC instant of publication.
# skipped_files: files that could not be read, with their hash and stat like documents.
#
# people: `aliases` one per line (how many documents a person is in is not kept: no answer tells it). name_postings lists, for each folded name word and each whole label
# (the name or an alias folded by `bot.store.names`: "=" + the label when it is shorter than 8
# characters, else an 8-byte digest of it, a blob; see `whole_label_key`), the people who have it, most mentioned
# first; name_vocabulary counts the people of each word. Those three are what /who searches (see
# `bot.store.name_index.NameIndex`); the build folds a person's labels again when it moves their postings.
#
# person_documents: one person as one document's extraction saw them (`ord`: their place in it),
# with the merged person, their name (`names`), aliases (one per line), role, mentions and how many
# paragraphs mention them, and `mentioned`: each of those paragraphs with the mentions' offsets into
# it (varints: paragraph step, count, then each mention's start step and length; see `bot.store.mentions`; kept by document, not by person:
# removing a document, or a person merging into another, touches only that document's rows); a
# person's documents come newest first by its index. quotes: `ord` is the speaker's place in
# person_documents; `text` is NULL when the quotation is its span of the paragraph (as is
# key_points' `text`); `speaker` is the speaker's name only when no person of the document has it;
# `confidence` how likely the attribution is right, in hundredths (0-100; NULL: not estimated; see
# `to_hundredths`). statements: reported speech ("Haines said [Mr. Putin could claim a victory]"),
# never shown as a quotation: the document's `n`th statement in text order, its speaker as in quotes,
# its reported clause (`start`-`end`, `text` as in quotes), `mixed` 1 when the clause quotes some
# words and 0 when it quotes none (kind "mixed" or "indirect"), its confidence as in quotes, the
# offsets of the verb that reports it (`cue_start`-`cue_end`: "said", "according to") and the
# document's `sort_date`, so that a person's statements come most confident, then newest, first from
# their index (which holds only statements of a named person). `statements` of people and names
# count them as `quotes` counts quotations.
#
# The merge of people (see `bot.build.merge`), as counts: `names` each distinct name and, over the
# records that carry it, how many records, mentions, quotes, paragraphs and statements;
# `name_roles` and `name_aliases` the roles and aliases those records give,
# with the mentions and records of each; `claims` how many records of the name `name_id` carry an alias whose
# key is `alias_key` (not the name's own key: the groups claiming a key are its claiming names' keys);
# `name_groups` each key (`bot.build.merge.group_key`) with records, the fuller
# key it joins (`target`, when it is the only one claiming it), the person of the tree it belongs to, and
# the ids of its names (`names`, no declared type: one id as an integer, several as text "12,4077", see
# `bot.build.merge.name_ids_value`). A name is found by its key's row (its key is computed from it), so
# `names` has no index and holds no key: a name's text is stored once, its key once.
# search_shares: for each stemmed word of each full-text index (`fts`: its place in SEARCH_TABLES, a
# number of no bytes) in more than `bot.store.queries.FEW_ROWS` of its rows, in how many of its newest rows
# it is (`bot.store.queries.SAMPLE` rows) and in how many rows in all: what a search leaves out, ranks or
# bounds, known before the question (a word in fewer rows, most of a small store's vocabulary, is counted
# in the index when asked: `rows_with_word`). `stories` and `story_bands` group documents carrying the same
# story (near-duplicates; see `bot.build.stories`).

SEARCH_TABLES = ("paragraphs_fts", "quotes_fts")  # the full-text indexes, as search_shares numbers them

INDEXES = [  # (table, columns, unique): built after the bulk insert, which is faster than keeping them up
    ("documents", ["sort_date", "id"], False),
    ("documents", ["path"], True),
    ("documents", ["first_paragraph"], False),
    ("people", ["mentions desc", "quotes desc", "id"], False),
    ("person_documents", ["person_id", "sort_date", "document_id"], False),
    ("quotes", ["person_id", "strength desc", "id"], False),
    ("stories", ["story"], False),
]
PARTIAL_INDEXES = [
    # The keys that join each key (a person's tree, walked from its root); most keys join none.
    'create index "idx_name_groups_target" on name_groups (target) where target is not null',
    # A full rebuild finds the extraction of an unchanged file by its content hash.
    'create index "idx_documents_sha256" on documents (substr(sha256, 1, 12))',
    # A person's statements, most confident first, then newest (the unattributed half is left out).
    'create index "idx_statements_person" on statements (person_id, confidence desc, sort_date desc,'
    ' document_id desc, n) where person_id is not null',
]


def to_hundredths(confidence: float | None) -> int | None:
    """A confidence (0..1, given to two places by `bot.extract.confidence`) as stored: one byte, not eight."""
    return None if confidence is None else round(confidence * 100)


def from_hundredths(stored: int | None) -> float | None:
    return None if stored is None else stored / 100


def create_search(conn: sqlite3.Connection) -> None:
    """FTS5 (porter stemming) over paragraphs and quotes, contentless: the text is in document_texts."""
    for table in ("paragraphs", "quotes"):
        conn.execute(f"create virtual table {table}_fts using fts5 (text, tokenize='porter', content='')")


def table_statements() -> list[str]:
    """The `create table` statements of `TABLES`, one by one."""
    return [statement.strip() for statement in TABLES.split(";") if statement.strip()]


def packed_tables() -> dict[str, str]:
    """The tables keyed by their own order (WITHOUT ROWID), by name, with their `create table` statement."""
    return {statement.split()[2]: statement for statement in table_statements()
            if statement.endswith("without rowid")}


def create_indexes(conn: sqlite3.Connection) -> None:
    """The indexes, built after the bulk insert (faster than keeping them up during it)."""
    for table, columns, unique in INDEXES:
        name = "_".join(c.split()[0] for c in columns)
        listed = ", ".join(f'"{c.split()[0]}"' + (" desc" if c.endswith(" desc") else "") for c in columns)
        conn.execute(f'create {"unique " if unique else ""}index "idx_{table}_{name}" on "{table}" ({listed})')
    for sql in PARTIAL_INDEXES:
        conn.execute(sql)
