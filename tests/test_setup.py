"""The repository's promises about its own layout."""
import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_SEED = ROOT.parent / "shared" / "seeds" / "000_7c73074e746b7734.txt"


def test_seed_article_is_present_and_unaltered():
    seed = ROOT / "seeds" / "000_7c73074e746b7734.txt"
    data = seed.read_bytes()
    assert data.startswith(b"US officials said the Ukrainian attack")
    if SHARED_SEED.exists():
        assert hashlib.sha256(data).digest() == hashlib.sha256(SHARED_SEED.read_bytes()).digest()


def test_env_example_lists_every_setting():
    from bot.config import Settings

    names = {line.split("=", 1)[0] for line in (ROOT / ".env.example").read_text().splitlines()
             if line and not line.startswith("#")}
    assert len(names) == len(Settings.__dataclass_fields__)
