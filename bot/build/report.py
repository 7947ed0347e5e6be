"""What a build says it did: counts, the files it skipped and why, and how long each phase took."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

Progress = Callable[[int, int, str], None]  # (files done, files in all, path just read)


class BuildFailed(Exception):
    """A build that could not be done, with a message for the person who asked; the old store is untouched."""


class NotAStore(BuildFailed):
    """The store path names something that is not a Briefbot store (and is never replaced)."""


class StoreBusy(BuildFailed):
    """The store stayed busy (a reader's long transaction, another build) past the bounded wait."""


@dataclass(frozen=True)
class SkippedFile:
    path: str
    reason: str


@dataclass
class BuildReport:
    db_path: Path
    unchanged: bool  # True when the store was already built from these very files
    documents: int = 0
    people: int = 0
    quotes: int = 0
    key_points: int = 0
    reused: int = 0  # documents whose extraction was taken from the previous store
    skipped: list[SkippedFile] = field(default_factory=list)
    # What reading set aside in files it did read (a date in the future, one that is no date), for the
    # files this build read: a no-op build reads none, an in-place one only the changed files.
    notes: list[SkippedFile] = field(default_factory=list)
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # seconds per phase of a full build
