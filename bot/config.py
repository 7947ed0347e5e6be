"""Settings, read from the environment and from a `.env` file beside the working directory.

The environment wins over `.env`. Every setting is listed, with its meaning, in `.env.example`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _read_dotenv(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip().removeprefix("export ").strip()] = value
    return values


@dataclass(frozen=True)
class Settings:
    token: str = field(default="", repr=False)  # never printed: repr hides it
    api_base_url: str = ""
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str = field(default="", repr=False)
    briefing_db: Path = Path("briefing.db")
    state_db: Path = Path("state.db")
    seeds_dir: Path = Path("seeds")
    admin_user_ids: frozenset[int] = frozenset()
    digest_grace_hours: float = 6.0
    rate_limit: bool = True
    log_level: str = "INFO"
    build_file_seconds: float = 30.0  # one seed file's time to be read and extracted; then it is skipped
    # News sources (bot.sources): feeds and pages followed, saved under seeds/feeds/.
    allow_private_sources: bool = False  # loopback and private addresses (local test servers only)
    fetch_interval_minutes: float = 15.0  # each source's own schedule; feeds' hints may lengthen it
    sources_concurrency: int = 8  # requests at once over a fetch round
    sources_per_host: int = 4  # requests at once to one host
    sources_timeout: float = 30.0  # seconds for one whole request
    keep_days: float = 0.0  # fetched articles older than this are dropped; 0 keeps everything
    alert_batch_minutes: float = 10.0  # a chat's alerts are gathered this long into one message
    alert_check_seconds: float = 5.0  # how often the bot looks for new documents to alert on
    language: str = ""  # the console's language (a code such as uk or de; "" or unknown: English)


def load_settings(env: dict[str, str] | None = None, dotenv: Path | None = Path(".env")) -> Settings:
    """Settings from `env` (default: os.environ) over the `.env` file."""
    merged = _read_dotenv(dotenv) if dotenv else {}
    merged.update(os.environ if env is None else env)

    def get(name: str, default: str = "") -> str:
        return merged.get(name, default).strip()

    admins = frozenset(int(x) for x in get("ADMIN_USER_IDS").replace(",", " ").split() if x.lstrip("-").isdigit())
    return Settings(
        token=get("TELEGRAM_BOT_TOKEN"),
        api_base_url=get("TELEGRAM_API_BASE_URL"),
        webhook_url=get("WEBHOOK_URL"),
        webhook_listen=get("WEBHOOK_LISTEN", "127.0.0.1"),
        webhook_port=int(get("WEBHOOK_PORT", "8443") or 8443),
        webhook_secret=get("WEBHOOK_SECRET"),
        briefing_db=Path(get("BRIEFING_DB", "briefing.db")),
        state_db=Path(get("STATE_DB", "state.db")),
        seeds_dir=Path(get("SEEDS_DIR", "seeds")),
        admin_user_ids=admins,
        digest_grace_hours=float(get("DIGEST_GRACE_HOURS", "6") or 6),
        rate_limit=get("RATE_LIMIT", "on").lower() not in {"0", "off", "false", "no"},
        log_level=get("LOG_LEVEL", "INFO").upper(),
        build_file_seconds=_seconds(get("BUILD_FILE_SECONDS", "30"), 30.0),
        allow_private_sources=get("ALLOW_PRIVATE_SOURCES", "0").lower() in {"1", "on", "true", "yes"},
        fetch_interval_minutes=max(1.0, _seconds(get("FETCH_INTERVAL_MINUTES", "15"), 15.0)),
        sources_concurrency=max(1, int(_seconds(get("SOURCES_CONCURRENCY", "8"), 8))),
        sources_per_host=max(1, int(_seconds(get("SOURCES_PER_HOST", "4"), 4))),
        sources_timeout=max(1.0, _seconds(get("SOURCES_TIMEOUT", "30"), 30.0)),
        keep_days=_seconds(get("KEEP_DAYS", "0"), 0.0),
        alert_batch_minutes=max(0.0, float(get("ALERT_BATCH_MINUTES", "10") or 10)),
        alert_check_seconds=max(0.2, float(get("ALERT_CHECK_SECONDS", "5") or 5)),
        # LANGUAGE may be gettext's list ("uk_UA:en"): its first entry is taken.
        language=get("LANGUAGE").split(":")[0].split(".")[0],
    )


def _seconds(value: str, default: float) -> float:
    """A number of seconds (0 or more) as written in a setting; the default when it is not one."""
    try:
        seconds = float(value)
    except ValueError:
        return default
    return seconds if seconds >= 0 and seconds == seconds and seconds != float("inf") else default
