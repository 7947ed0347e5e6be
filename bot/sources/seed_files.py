"""Articles saved as seed files: `seeds/feeds/<source-slug>/<yyyy-mm>/<slug>-<short-hash>.md`.

The format (read by `bot.documents.read_document` as Markdown; `read_front_matter` / `read_article`
here read it back exactly):

    ---
    title: 'Minister: talks will go on'
    url: 'https://example.com/world/talks'
    outlet: 'Example News'
    author: 'Jane Doe'
    date: '2024-05-01T12:00:00Z'
    source: 'example-news'
    id: 'a1b2c3d4e5'
    summary_only: true
    ---

    First paragraph of the story, on one line.

    Second paragraph.

- Front matter: one `key: value` a line, in that order; `author` and `url` are left out when unknown,
  `summary_only: true` is written only when the body is the feed's summary, not the article. `date` is
  ISO 8601 UTC (the entry's publication time, else when it was fetched). `source` is the source's slug
  (its folder name), `id` a short hash of the entry's identity (so a file is never overwritten by a
  different article). Values are single-line (whitespace runs and line breaks collapsed, control
  characters dropped) and quoted as YAML scalars: single-quoted when the value has no `'`; else
  double-quoted when it has no `"` or `\\`; else a JSON string (also valid YAML). So colons, quotes,
  `---` or `#` in a title cannot end the front matter or start a field.
- Body: the paragraphs, one line each, separated by blank lines. A paragraph that Markdown would read
  as block markup is neutralised with a CommonMark backslash escape before its first character
  (`\\# `, `\\>`, `\\-`, `\\*`, `\\+`, `\\=`, `\\_`, `\\|`, `` \\` ``, `\\~`, `\\<`, `\\\\`), or before the
  `.`/`)` of a leading number (`1\\. `). `read_article` removes exactly these escapes.
- Reading: the front matter is parsed by `bot.documents.front_matter`, the parser the store's reader
  uses, so what is written here is what the store reads (`tests/sources/test_seed_files.py` checks
  hostile values both ways).
- Names: ASCII lower-case letters, digits and `-` (Cyrillic and Greek transliterated, other letters
  reduced to ASCII or dropped), at most SLUG_MAX characters, never `.`-led; the resolved path must lie
  inside the seed folder (symlinked folders out of it are refused). Written atomically: a hidden temp
  file in the same folder (the store's scan skips hidden names), fsync, rename, fsync of the folder.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.documents.front_matter import parse_front_matter, unescape_paragraph, unquote_value

__all__ = ["FEEDS_FOLDER", "SeedArticle", "UnsafePath", "escape_paragraph", "parse_front_matter", "quote_value",
           "read_article", "read_front_matter", "remove_expired", "render", "seed_date", "seed_relpath", "slugify",
           "unescape_paragraph", "unquote_value", "write_article"]

FEEDS_FOLDER = "feeds"
SLUG_MAX = 60
SOURCE_SLUG_MAX = 40
FIELDS = ("title", "url", "outlet", "author", "date", "source", "id", "summary_only")
_TRANSLIT = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяієїґ",
    "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya i ye yi g".split()))
_TRANSLIT.update(zip("αβγδεζηθικλμνξοπρστυφχψωάέήίόύώς",
                     "a v g d e z i th i k l m n x o p r s t y f ch ps o a e i i o y o s".split()))
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
_MARKUP_START = set("#>-*+=_|`~<\\")
_NUMBERED = re.compile(r"^(\d{1,9})([.)])")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


class UnsafePath(ValueError):
    """A seed path that would leave the seed folder."""


@dataclass
class SeedArticle:
    title: str
    paragraphs: list[str]
    source: str  # the source's slug
    identity: str  # the entry's identity key (see identity.identity_key)
    url: str | None = None
    outlet: str = ""
    author: str | None = None
    date: datetime | None = None  # aware; UTC is written
    summary_only: bool = False
    extra: dict[str, str] = field(default_factory=dict)  # not written today; room for later fields


# Names -------------------------------------------------------------------------------------------

def slugify(text: str, max_length: int = SLUG_MAX, fallback: str = "article") -> str:
    """ASCII letters, digits and single `-`, lower-case, at most `max_length` characters (cut at a `-`)."""
    text = "".join(_TRANSLIT.get(ch, ch) for ch in (text or "").lower())
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(slug) > max_length:
        cut = slug[:max_length + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut[max_length // 2:] else slug[:max_length]
        slug = slug.strip("-")
    return slug or fallback


def seed_relpath(source_slug: str, moment: datetime, title: str, short: str) -> Path:
    """`feeds/<source-slug>/<yyyy-mm>/<slug>-<short>.md`, every part a safe name."""
    source_part = slugify(source_slug, SOURCE_SLUG_MAX, "source")
    short = re.sub(r"[^a-z0-9]", "", short.lower())[:16] or "0"
    moment = moment.astimezone(timezone.utc)
    return Path(FEEDS_FOLDER) / source_part / f"{moment:%Y-%m}" / f"{slugify(title)}-{short}.md"


def _inside(seeds_dir: Path, path: Path) -> Path:
    root = seeds_dir.resolve()
    resolved = path.resolve()
    if resolved != root and root not in resolved.parents:
        raise UnsafePath(f"{path} is outside the seed folder {seeds_dir}")
    return resolved


# Writing ------------------------------------------------------------------------------------------

def clean_line(value: str) -> str:
    """One line: control and bidi characters dropped, whitespace runs (line breaks too) made one space."""
    value = (value or "").encode("utf-8", "replace").decode("utf-8")
    return " ".join(_CONTROL.sub(" ", value).split())


def quote_value(value: str) -> str:
    """A YAML scalar for a one-line value that the current reader (strip one quote each side) reads back."""
    value = clean_line(value)
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value and "\\" not in value:
        return f'"{value}"'
    return json.dumps(value, ensure_ascii=False)


def escape_paragraph(text: str) -> str:
    """A paragraph on one line, with a leading Markdown block marker backslash-escaped."""
    text = clean_line(text)
    if not text:
        return text
    if text[0] in _MARKUP_START:
        return "\\" + text
    return _NUMBERED.sub(r"\1\\\2", text, count=1)


def render(article: SeedArticle, short: str) -> str:
    """The file's text (see the module doc)."""
    moment = (article.date or datetime.now(timezone.utc)).astimezone(timezone.utc)
    values: list[tuple[str, str]] = [("title", quote_value(article.title) if clean_line(article.title) else "'Untitled'")]
    if article.url:
        values.append(("url", quote_value(article.url)))
    values.append(("outlet", quote_value(article.outlet)))
    if article.author and clean_line(article.author):
        values.append(("author", quote_value(article.author)))
    values.append(("date", quote_value(moment.strftime("%Y-%m-%dT%H:%M:%SZ"))))
    values.append(("source", quote_value(article.source)))
    values.append(("id", quote_value(short)))
    if article.summary_only:
        values.append(("summary_only", "true"))
    body = [escape_paragraph(p) for p in article.paragraphs]
    body = [p for p in body if p]
    head = "".join(f"{key}: {value}\n" for key, value in values)
    return f"---\n{head}---\n\n" + "\n\n".join(body) + "\n"


def write_article(seeds_dir: Path | str, article: SeedArticle, *, previous: Path | str | None = None) -> Path:
    """Save `article` under `seeds_dir` (see the module doc) and return its path.

    `previous` is the file this entry was saved to before (an update rewrites it in place when it still
    holds this entry). A file holding another entry is never overwritten: the name gets `-2`, `-3` ….
    """
    from bot.sources.identity import short_hash

    seeds_dir = Path(seeds_dir)
    short = short_hash(article.identity)
    text = render(article, short)
    target: Path | None = None
    if previous is not None:
        previous = Path(previous)
        candidate = previous if previous.is_absolute() else seeds_dir / previous
        try:
            _inside(seeds_dir, candidate)
            if candidate.is_file() and read_front_matter(candidate).get("id") == short:
                target = candidate
        except (UnsafePath, OSError):
            target = None
    if target is None:
        relative = seed_relpath(article.source, article.date or datetime.now(timezone.utc), article.title, short)
        base = seeds_dir / relative
        for attempt in range(1, 100):
            candidate = base if attempt == 1 else base.with_name(f"{base.stem}-{attempt}.md")
            if not candidate.exists():
                target = candidate
                break
            try:
                if read_front_matter(candidate).get("id") == short:
                    target = candidate
                    break
            except OSError:
                continue
        if target is None:
            raise UnsafePath(f"no free name for {base}")
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    _inside(seeds_dir, folder)  # a symlinked folder leading out of the seed folder is refused
    _atomic_write(target, text.encode("utf-8"))
    return target


def _atomic_write(path: Path, data: bytes) -> None:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    try:
        folder = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(folder)
    except OSError:
        pass
    finally:
        os.close(folder)


# Reading ------------------------------------------------------------------------------------------

def read_front_matter(path: Path | str) -> dict[str, str | bool]:
    """The front matter of a seed file, values unquoted exactly as written (`summary_only` a bool)."""
    with open(path, "rb") as handle:
        head = handle.read(64 * 1024)
    text = head.decode("utf-8-sig", errors="replace")
    fields, _ = parse_front_matter(text)
    return fields


def read_article(path: Path | str) -> tuple[dict[str, str | bool], list[str]]:
    """(front matter, body paragraphs with the Markdown escapes removed) of a seed file."""
    text = Path(path).read_text(encoding="utf-8-sig")
    fields, start = parse_front_matter(text)
    paragraphs = [unescape_paragraph(p.strip()) for p in re.split(r"\n\s*\n", text[start:]) if p.strip()]
    return fields, paragraphs


def seed_date(path: Path | str) -> datetime | None:
    """The `date` of a seed file, as an aware UTC datetime, or None."""
    value = read_front_matter(path).get("date")
    if not isinstance(value, str) or not _DATE.match(value):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = datetime.fromisoformat(value[:10])
        except ValueError:
            return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def remove_expired(seeds_dir: Path | str, keep_days: float, now: datetime | None = None) -> list[Path]:
    """Delete fetched seed files (under `seeds/feeds/`) whose `date` is older than `keep_days`; return them.

    Files without a readable date are kept. Month and source folders left empty are removed too.
    """
    seeds_dir = Path(seeds_dir)
    root = seeds_dir / FEEDS_FOLDER
    if keep_days is None or keep_days <= 0 or not root.is_dir():
        return []
    cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=keep_days)
    removed: list[Path] = []
    for path in sorted(root.rglob("*.md")):
        if path.name.startswith(".") or path.is_symlink() or not path.is_file():
            continue
        try:
            moment = seed_date(path)
        except OSError:
            continue
        if moment is not None and moment < cutoff:
            try:
                path.unlink()
                removed.append(path)
            except OSError:
                continue
    for folder in sorted((p for p in root.rglob("*") if p.is_dir() and not p.is_symlink()),
                         key=lambda p: len(p.parts), reverse=True):
        try:
            folder.rmdir()  # only when empty
        except OSError:
            pass
    return removed
