"""Building briefing.db from the seed folder: read, extract, merge people, write; atomically either way.

Two kinds of build, both all-or-nothing for readers:

- A full build (no store yet, a new schema, reader or extractor version, many changed files, or a
  store grown well past the documents its texts' compression dictionary was made from)
  writes a new file beside the old store and renames it over the old one (`os.replace`), so a reader
  sees either the old store or the new one, never a half-written file, and a failed or killed build
  leaves the old store serving. Files are read and extracted by a pool of worker processes (one per
  core; in this process for small folders), in order and a few chunks at a time, while this process
  writes rows with plain `executemany` into a file with no journal (it is nobody's store until the
  rename); FTS is filled as the rows come, the rows keyed by person wait in a scratch file until
  people are merged, and indexes are built after the bulk insert.
- An incremental build (changed, added or removed files, up to a quarter of the folder) updates the
  store in place, in one SQLite transaction in WAL mode: it deletes the changed documents' rows,
  inserts their new versions, adjusts the counts the merge of people is made of and describes again
  only the people whose trees the change reaches (`affected_people`), and updates FTS rows and meta.
  That is as atomic as the rename: readers keep the snapshot they started with until the commit,
  then see all of it; an error rolls the transaction back and a killed build leaves only
  uncommitted log frames, which SQLite ignores. The result equals a clean build table for table,
  except that ids are kept where they can be (tests/store/test_incremental.py). Retention
  (`retention`) removes old documents the same way; more than a few hundred taken out at once are
  retired (`retired`: out of every answer at once) and their rows purged after, a slice at a time
  (`purge`).

A running `bot.store.Store` notices both: a new inode after a full build, `PRAGMA data_version`
after an incremental one. Builds that touch the live store take turns (`store_files.store_lock`), and a full
build empties the old store's WAL before its rename (`store_files.empty_wal`), since `-wal`/`-shm` files go by
name. An unchanged seed folder (same files, same content hashes, same extractor and reader
versions) is not rebuilt; files whose stat matches the last build's record are not hashed again,
and a folder whose every stat does is known unchanged from one digest (`seed_records`). What
extraction found in each file stays in the store's rows, so a full rebuild extracts only the files
that changed (`extraction_cache`).

The stages, one module each: `seed_folder` (what files there are, their hashes), `seed_records`
(what changed since the store was built), `prepare` (one file read, extracted and turned into rows;
`extraction_cache`), `workers` (the pool), `merge` (people across documents, as counts), `rows`
(writing), `text_dictionary` (the texts' compression dictionary, made by the full build), `full_build` and `in_place` (the two kinds; `affected_people` for the people an in-place
change reaches), `search_shares` (the words of the newest rows), `retention` (old documents out),
`retired` and `purge` (many documents out of the answers at once, their rows a slice at a time),
`store_files` (locks, temp files, fsync), `budget` (the time one file may take), `target` (only a
Briefbot store is ever replaced), `builder` (which kind, if any).
"""
from bot.build.builder import build
from bot.build.report import (
    BuildFailed,
    BuildReport,
    NotAStore,
    Progress,
    SkippedFile,
    StoreBusy,
)
from bot.build.seed_folder import seed_files

__all__ = ["BuildFailed", "BuildReport", "NotAStore", "Progress", "SkippedFile", "StoreBusy", "build", "seed_files"]
