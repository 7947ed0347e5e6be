"""The `briefbot` command: build the store, inspect files and the store, start the bot.

    briefbot build [--seeds DIR] [--db PATH] [--quiet] [--file-seconds S]   build briefing.db if seeds/ changed
    briefbot extract PATH... --json                      one JSON line of people and quotes per file
    briefbot people                                      who is in the store, most prominent first
    briefbot quotes [NAME]                               quotations of NAME (or about NAME), or the newest
    briefbot sources add URL [--name NAME] | list | remove N|URL | import FILE.opml | export   news sources
    briefbot fetch                                       one round of the due sources (--all: every source), then build
    briefbot prune DAYS [--dry-run]                      seed files of documents older than DAYS deleted, store updated
    briefbot start                                       build if needed, then `run` or `console`
    briefbot run | console [--language CODE]             the Telegram bot | the same commands in the terminal
    briefbot catalogs [--update | --new CODE]           check the message catalogs (bot/locales), update or start one

Exit status: 0 done; 1 failed (nothing changed; for `extract`, a file named could not be read); 2
done, but some seed files were skipped (listed on stderr); 3 the store is missing (run `briefbot build`).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import Settings, load_settings
from bot.documents import UnreadableDocument, printable_name, read_document

EXIT_OK, EXIT_FAILED, EXIT_SKIPPED, EXIT_NO_STORE = 0, 1, 2, 3


def _progress_printer(stream=sys.stderr):
    """A progress callback that rewrites one status line, about a hundred times per build at most."""
    def report(done: int, total: int, path: str) -> None:
        if done == total or done % max(1, total // 100) == 0:
            stream.write(f"\rreading {done}/{total} {Path(path).name[:50]:<50}")
            if done == total:
                stream.write("\n")
            stream.flush()
    return report


def build_command(seeds: Path, db: Path, quiet: bool, file_seconds: float | None = None) -> int:
    """Build the store and print what it holds; skipped files go to stderr with their reasons. A
    build that cannot be done says why in one line on stderr and exits 1, the old store untouched."""
    import sqlite3

    from bot.build import BuildFailed, build

    try:
        report = build(seeds, db, progress=None if quiet else _progress_printer(), file_seconds=file_seconds)
        purged = _purge(db, report, quiet)
    except BuildFailed as exc:
        print(f"briefbot: not built: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except (OSError, sqlite3.Error) as exc:  # a full disk, a store folder that vanished: the old store stands
        if isinstance(exc, FileNotFoundError) and not seeds.is_dir():
            raise
        print(f"briefbot: the build failed ({type(exc).__name__}: {exc}); nothing was changed (a store there stays as it was)",
              file=sys.stderr)
        return EXIT_FAILED
    state = "unchanged (seeds as before)" if report.unchanged and not purged else f"built in {report.seconds:.1f}s"
    print(f"{db}: {state}: {report.documents} documents, {report.people} people, "
          f"{report.quotes} quotes, {report.key_points} key points"
          + (f" ({report.reused} extractions reused)" if report.reused else ""))
    for note in report.notes:
        print(f"note {note.path}: {note.reason}", file=sys.stderr)
    for skipped in report.skipped:
        print(f"skipped {skipped.path}: {skipped.reason}", file=sys.stderr)
    return EXIT_SKIPPED if report.skipped else EXIT_OK


def _purge(db: Path, report, quiet: bool) -> int:
    """Purge the documents this build (or an earlier one) retired (`bot.build.purge`), saying how it goes;
    the report's people are counted again after. Returns how many were purged."""
    import time

    from bot.build.purge import pending, purge_all
    from bot.build.seed_folder import stored_meta

    waiting = pending(db)
    if not waiting:
        return 0
    started = time.monotonic()

    def say(left: int) -> None:
        if not quiet:
            sys.stderr.write(f"\rpurging retired documents: {waiting - left}/{waiting}")
            sys.stderr.write("\n" if not left else "")
            sys.stderr.flush()

    purged = purge_all(db, say)
    report.people = json.loads(stored_meta(db)["counts"])["people"]
    report.seconds += time.monotonic() - started
    return purged


def extraction_record(path: str) -> dict:
    """The `extract --json` line of one file: exactly path, title, people, quotes (an outside contract).

    Each quote has text, start, end, speaker as it always had, then kind ("direct"; "indirect" and
    "mixed" for reported speech, whose text is the reported clause), confidence (0-1) and cue
    ({"text", "start", "end"} of the verb that attributes it, or null); direct and reported in text order.
    """
    from bot.extract import extract

    document = read_document(path)
    extraction = extract(document)
    quotes = sorted([*extraction.quotes, *extraction.reported], key=lambda q: (q.start, q.end))
    return {
        "path": path,
        "title": document.title,
        "people": [{"name": p.name, "aliases": list(p.aliases), "role": p.role, "mentions": p.mentions}
                   for p in extraction.people],
        "quotes": [{"text": q.text, "start": q.start, "end": q.end, "speaker": q.speaker, "kind": q.kind,
                    "confidence": q.confidence,
                    "cue": {"text": q.cue, "start": q.cue_start, "end": q.cue_end} if q.cue else None}
                   for q in quotes],
    }


def extract_command(paths: Sequence[str], as_json: bool) -> int:
    """One record per file; a file named here that cannot be read is a failure (exit 1), said on
    stderr, and the other files are still done."""
    status = EXIT_OK
    for path in paths:
        try:
            record = extraction_record(path)
        except UnreadableDocument as exc:
            print(f"briefbot: cannot read {printable_name(path)}: {exc}", file=sys.stderr)
            status = EXIT_FAILED
            continue
        if as_json:
            print(json.dumps(record, ensure_ascii=False), flush=True)
            continue
        print(f"{path}: {record['title']}")
        for person in record["people"]:
            print(f"  {_person_line(person['name'], person['role'], person['mentions'])}")
        for quote in record["quotes"]:
            print(f"  “{quote['text']}” — {quote['speaker'] or 'unattributed'} [{quote['start']}:{quote['end']}]")
    return status


def _person_line(name: str, role: str | None, mentions: int) -> str:
    return f"{name}" + (f", {role}" if role else "") + f" ({mentions} mention{'' if mentions == 1 else 's'})"


def _open_store(db: Path):
    from bot.store.queries import Store

    return Store(db)


def people_command(db: Path, limit: int) -> int:
    people, total = _open_store(db).list_people(0, limit)
    for person in people:
        print(_person_line(person.name, person.role, person.mentions))
    print(f"({len(people)} of {total} people)" if total > len(people) else f"({total} people)")
    return EXIT_OK


def quotes_command(db: Path, name: str | None, limit: int) -> int:
    """Quotes of the person NAME best matches; failing that, quotes about NAME; without NAME, the newest."""
    from bot.answers.choosing import TOPIC_MATCH, is_sure
    from bot.answers.commands import CHOICES
    from bot.store.search_text import NoUsableWords

    store = _open_store(db)
    if not name:
        hits, total = store.recent_quotes(0, limit)
        heading = "Newest quotations"
    else:
        matches = store.find_people(name, limit=CHOICES)
        speakers = [m for m in matches if m.score >= TOPIC_MATCH]
        if speakers and not is_sure(matches):  # as /quotes: a name several people share is a choice
            print(f"“{name}” names {len(speakers)} people; ask for one of them:")
            for person in speakers:
                print("  " + _person_line(person.name, person.role, person.mentions))
            return EXIT_OK
        if matches:
            hits, total = store.quotes_by(matches[0].id, 0, limit)
            heading = f"{matches[0].name}" + (f", {matches[0].role}" if matches[0].role else "")
        else:
            try:
                hits, total = store.quotes_about(name, 0, limit)
            except NoUsableWords:
                print(f"“{name}” has no words to look for.", file=sys.stderr)
                return EXIT_FAILED
            heading = f"Nobody called “{name}”; quotations about it"
    print(f"{heading} ({total}):")
    for hit in hits:
        print(f"“{hit.text}” — {hit.speaker or 'unattributed'} ({hit.source.title}, paragraph {hit.source.paragraph + 1})")
    if not hits:
        print("No quotations found.")
    return EXIT_OK


def _following(settings: Settings):
    from bot.sources.following import Following

    return Following(settings)


def _plain(html_text: str) -> str:
    from bot.answers import render

    return render.to_plain(html_text)


def sources_command(settings: Settings, args: argparse.Namespace) -> int:
    """`briefbot sources …`: the same calls as /addsource, /removesource and /feeds, and OPML in and out."""
    import asyncio

    from bot.answers import feeds as answers

    following = _following(settings)
    try:
        if args.action == "add":
            outcome = asyncio.run(following.add(args.url, " ".join(args.name or [])))
            print(_plain(answers.added(outcome, following.interval)).replace("within a minute", "by the next round"
                                                                              " (`briefbot fetch`, or the running bot)"))
            return EXIT_FAILED if outcome.error else EXIT_OK
        if args.action == "remove":
            found = following.remove(args.source)
            print(_plain(answers.removed(found, args.source)))
            return EXIT_OK if found else EXIT_FAILED
        if args.action == "list":
            listed = following.sources()
            if not listed:
                print("No sources are followed yet: `briefbot sources add URL`.")
            for source in listed:
                print(_plain(answers.feed_line(source)))
            return EXIT_OK
        if args.action == "import":
            from bot.sources.opml import BadOpml

            try:
                data = Path(args.file).read_bytes() if args.file != "-" else sys.stdin.buffer.read()
                report = following.registry.import_opml(data, interval=following.interval)
            except (OSError, BadOpml) as exc:
                print(f"briefbot: cannot import {args.file}: {exc}", file=sys.stderr)
                return EXIT_FAILED
            for source in report.added:
                print(f"added {source.id}. {source.display_name} ({source.url})")
            for source in report.already:
                print(f"already followed: {source.id}. {source.display_name}")
            for url in report.duplicates:
                print(f"listed twice in the file: {url}")
            for url, why in report.skipped:
                print(f"skipped {url}: {why}", file=sys.stderr)
            print(f"{len(report.added)} added, {len(report.already)} already followed, {len(report.skipped)} skipped")
            return EXIT_SKIPPED if report.skipped else EXIT_OK
        sys.stdout.buffer.write(following.registry.export_opml())  # export
        sys.stdout.flush()
        return EXIT_OK
    finally:
        following.close()


def fetch_command(settings: Settings, every_source: bool = False, build_store: bool = True) -> int:
    """`briefbot fetch`: one round now, a line per source as it is read, then the store's build.

    Exit status: 0 done; 2 done, but some sources failed (their lines say why); 1 the build failed."""
    import asyncio
    from datetime import datetime, timezone

    from bot.sources.following import changed_files

    following = _following(settings)
    try:
        if every_source:  # read every source now, paused ones excepted, whatever its schedule
            now = datetime.now(timezone.utc).isoformat(timespec="seconds")
            with following.registry.db.atomic():
                following.registry.db.execute("update sources set next_due = ? where state != 'paused'", [now])
        if not following.registry.due():
            print("No source is due now (`briefbot sources list` shows when each is read; --all reads them all).")
        report = asyncio.run(following.fetch(progress=lambda outcome: print(outcome.line(), flush=True), scan=True))
    finally:
        following.close()
    if report.removed:
        print(f"{len(report.removed)} fetched articles older than {settings.keep_days:g} days removed")
    failed = any(o.status in ("failing", "paused") for o in report.outcomes)
    if build_store and changed_files(report):
        status = build_command(settings.seeds_dir, settings.briefing_db, quiet=True,
                               file_seconds=settings.build_file_seconds)
        if status == EXIT_FAILED:
            return EXIT_FAILED
    return EXIT_SKIPPED if failed else EXIT_OK


def prune_command(seeds: Path, db: Path, days: float, dry_run: bool) -> int:
    """Delete the seed files of the documents dated more than `days` days ago and take them out of the
    store in one in-place update (`bot.build.retention`); with `dry_run`, only say which they are."""
    import time

    from bot.build import BuildFailed
    from bot.build.retention import DAY, documents_before, keep_days
    from bot.build.target import check_store_target
    from bot.store.queries import StoreNotBuilt

    if days < 0:
        print("briefbot prune: DAYS must be 0 or more", file=sys.stderr)
        return EXIT_FAILED
    if not db.is_file():
        raise StoreNotBuilt(f"No store at {db}: run `briefbot build` first.")
    now = time.time()
    try:
        check_store_target(db)  # never delete seed files on the word of a file that is not a store
    except BuildFailed as exc:
        print(f"briefbot prune: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if dry_run:
        old = documents_before(db, int(now - days * DAY))
        for rel in old[:20]:
            print(printable_name(rel))
        more = " (the first 20 above)" if len(old) > 20 else ""
        print(f"{len(old)} documents dated more than {days:g} days ago would go{more}; nothing changed")
        return EXIT_OK
    try:
        report = keep_days(seeds, db, days, now=now)
        _purge(db, report, quiet=False)
    except BuildFailed as exc:
        print(f"briefbot prune: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"{report.documents} documents left, dated within the last {days:g} days ({report.seconds:.1f} s)")
    return EXIT_OK


def start_command(settings: Settings) -> int:
    """What `make run` does: build if the seeds changed, then the bot if a token is set, else the console.

    Skipped files are listed, not fatal; a build that fails leaves the old store serving, so the
    bot starts on it (and says so); only without any store is that the end."""
    if build_command(settings.seeds_dir, settings.briefing_db, quiet=False,
                     file_seconds=settings.build_file_seconds) == EXIT_FAILED:
        from bot.build import BuildFailed
        from bot.build.target import check_store_target

        try:
            check_store_target(settings.briefing_db)  # a store, not state.db or an article
        except BuildFailed:
            return EXIT_FAILED
        if not settings.briefing_db.is_file() or not settings.briefing_db.stat().st_size:
            return EXIT_FAILED
        print(f"briefbot: starting with the store as it was ({settings.briefing_db})", file=sys.stderr)
    if settings.token:
        return run_command(settings)
    return console_command(settings)


def run_command(settings: Settings) -> int:
    from bot.frontends.telegram_app import run_bot

    if not settings.token:
        print("TELEGRAM_BOT_TOKEN is not set (see .env.example); `briefbot console` works without it.", file=sys.stderr)
        return EXIT_FAILED
    run_bot(settings)
    return EXIT_OK


def console_command(settings: Settings, language: str | None = None) -> int:
    store = _open_store(settings.briefing_db)
    from bot.frontends.console import main as console_main

    if language is not None:
        settings = dataclasses.replace(settings, language=language)
    console_main(settings, store)
    return EXIT_OK


def catalogs_command(update: bool = False, new: str | None = None) -> int:
    """Check every catalog against the messages of the code (exit 1 and a line per problem when one is
    missing, stale, fuzzy, or has other placeholders, tags or plural forms); `--update` first merges the
    messages into every catalog (new ones untranslated, changed ones fuzzy); `--new CODE` starts a catalog."""
    from bot.i18n import catalogs

    if new is not None:
        try:
            path = catalogs.new_catalog(new)
        except ValueError as exc:
            print(f"briefbot: {exc}", file=sys.stderr)
            return EXIT_FAILED
        print(f"{path}: {len(catalogs.extract())} messages to translate")
        return EXIT_OK
    if update:
        for path, counts in catalogs.update_catalogs().items():
            print(f"{path}: {counts['new']} new, {counts['fuzzy']} to check (fuzzy), {counts['obsolete']} obsolete removed")
    problems = catalogs.check()
    for problem in problems:
        print(problem)
    template = catalogs.extract()
    languages = sorted(catalogs.catalog_files())
    print(f"{len(template)} messages; catalogs: {', '.join(languages) or 'none'}; "
          + ("all complete" if not problems else f"{len(problems)} problems"), file=sys.stderr)
    return EXIT_FAILED if problems else EXIT_OK


def parser(settings: Settings) -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="briefbot", description="A Telegram bot that briefs chats on the news it was given.",
                                  epilog="Exit status: 0 ok, 1 failed (or a file given to extract could not be read), "
                                         "2 built but seed files were skipped, 3 no store.")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="build briefing.db from the seed folder (no-op when unchanged)")
    build.add_argument("--seeds", type=Path, default=settings.seeds_dir, help=f"seed folder (default: {settings.seeds_dir})")
    build.add_argument("--db", type=Path, default=settings.briefing_db, help=f"store file (default: {settings.briefing_db})")
    build.add_argument("--quiet", action="store_true", help="no progress on stderr")
    build.add_argument("--file-seconds", type=float, default=settings.build_file_seconds, metavar="SECONDS",
                       help="time one file may take to be read and extracted before it is skipped "
                            f"(default: BUILD_FILE_SECONDS, {settings.build_file_seconds:g}; 0: no limit)")

    extract = commands.add_parser("extract", help="people and quotations of files, without building")
    extract.add_argument("paths", nargs="+", metavar="PATH")
    extract.add_argument("--json", action="store_true", help="one JSON line per file: path, title, people, quotes")

    people = commands.add_parser("people", help="people in the store, most prominent first")
    people.add_argument("--limit", type=int, default=50)
    people.add_argument("--db", type=Path, default=settings.briefing_db)

    quotes = commands.add_parser("quotes", help="quotations of a person (or about a topic), or the newest")
    quotes.add_argument("name", nargs="*", metavar="NAME")
    quotes.add_argument("--limit", type=int, default=10)
    quotes.add_argument("--db", type=Path, default=settings.briefing_db)

    sources = commands.add_parser("sources", help="the news sources followed: add, list, remove, import, export (OPML)")
    actions = sources.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="follow a feed, or a page (its feed found by autodiscovery)")
    add.add_argument("url", metavar="URL")
    add.add_argument("--name", nargs="+", metavar="NAME", help="the outlet's name (default: the feed's title)")
    actions.add_parser("list", help="every source with its state, last read and entries taken")
    remove = actions.add_parser("remove", help="stop following a source (its articles stay)")
    remove.add_argument("source", metavar="N|URL")
    opml_in = actions.add_parser("import", help="follow every feed an OPML file lists (- for stdin)")
    opml_in.add_argument("file", metavar="FILE.opml")
    actions.add_parser("export", help="the sources as OPML 2.0, on stdout")

    fetch = commands.add_parser("fetch", help="read the due sources now (a line per source), then update the store")
    fetch.add_argument("--all", action="store_true", help="read every source that is not paused, due or not")
    fetch.add_argument("--no-build", action="store_true", help="save the articles only; do not update the store")

    prune = commands.add_parser("prune", help="delete the seed files of documents older than DAYS and take them out "
                                              "of the store, in place (--dry-run: only list them)")
    prune.add_argument("days", type=float, metavar="DAYS", help="keep the documents of the last DAYS days")
    prune.add_argument("--dry-run", action="store_true", help="list what would go; change nothing")
    prune.add_argument("--seeds", type=Path, default=settings.seeds_dir, help=f"seed folder (default: {settings.seeds_dir})")
    prune.add_argument("--db", type=Path, default=settings.briefing_db, help=f"store file (default: {settings.briefing_db})")

    commands.add_parser("start", help="build if seeds changed, then run the bot (or the console without a token)")
    commands.add_parser("run", help="run the Telegram bot (needs TELEGRAM_BOT_TOKEN)")
    console = commands.add_parser("console", help="the bot's commands, answered in the terminal")
    console.add_argument("--language", metavar="CODE", default=None,
                         help=f"answer in this language (uk, de, …; default: LANGUAGE, {settings.language or 'English'})")

    catalogs = commands.add_parser("catalogs", help="check the message catalogs (bot/locales/*.po) against the code")
    catalogs.add_argument("--update", action="store_true",
                          help="first merge the code's messages into every catalog (new ones left to translate)")
    catalogs.add_argument("--new", metavar="CODE", help="start the catalog of a new language (bot/locales/CODE.po)")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    from bot.store.queries import StoreNotBuilt

    settings = load_settings()
    args = parser(settings).parse_args(argv)
    try:
        if args.command == "build":
            return build_command(args.seeds, args.db, args.quiet, args.file_seconds)
        if args.command == "extract":
            return extract_command(args.paths, args.json)
        if args.command == "people":
            return people_command(args.db, args.limit)
        if args.command == "quotes":
            return quotes_command(args.db, " ".join(args.name), args.limit)
        if args.command == "sources":
            return sources_command(settings, args)
        if args.command == "fetch":
            return fetch_command(settings, args.all, not args.no_build)
        if args.command == "prune":
            return prune_command(args.seeds, args.db, args.days, args.dry_run)
        if args.command == "start":
            return start_command(settings)
        if args.command == "run":
            return run_command(settings)
        if args.command == "catalogs":
            return catalogs_command(args.update, args.new)
        return console_command(settings, args.language)
    except StoreNotBuilt as exc:
        print(exc, file=sys.stderr)
        return EXIT_NO_STORE
    except FileNotFoundError as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:  # `briefbot quotes | head`: the reader has had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
