"""Is this entry new, changed, or already taken?

An entry is recognised by, in order: its GUID/id ("guid:…"), else its canonical link ("url:…", see
`urls.canonical_url`), else the hash of its content ("hash:…"). The content hash covers what the feed
says of the entry (title, link, summary, content; whitespace collapsed), so an entry whose text
changed keeps its identity with a new content hash: "changed" — its document is updated, not added.
Identities are scoped by source in the registry (a GUID is only unique within its feed).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from bot.sources.urls import canonical_url

NEW, CHANGED, SAME = "new", "changed", "same"


def _digest(text: str, size: int = 16) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=size).hexdigest()


def content_hash(title: str, paragraphs: list[str] | tuple[str, ...], link: str | None = None) -> str:
    """A 32-hex-digit hash of an entry's title, link and text, insensitive to whitespace changes."""
    parts = [" ".join((title or "").split()), canonical_url(link) if link else ""]
    parts += [" ".join(p.split()) for p in paragraphs]
    return _digest("\x1f".join(parts))


def identity_key(guid: str | None, link: str | None, content_digest: str) -> str:
    """The entry's identity: "guid:<id>", else "url:<canonical link>", else "hash:<content hash>"."""
    if guid and guid.strip():
        return "guid:" + guid.strip()
    if link:
        return "url:" + canonical_url(link)
    return "hash:" + content_digest


def short_hash(key: str, size: int = 5) -> str:
    """A short stable hash of an identity key (10 hex digits), for file names."""
    return _digest(key, size)


@dataclass(frozen=True)
class Status:
    state: str  # NEW, CHANGED or SAME
    identity: str
    content_hash: str


def classify(identity: str, digest: str, taken_hash: str | None) -> Status:
    """NEW when nothing was taken under `identity`, CHANGED when it was with another content hash, else SAME."""
    if taken_hash is None:
        return Status(NEW, identity, digest)
    return Status(SAME if taken_hash == digest else CHANGED, identity, digest)
