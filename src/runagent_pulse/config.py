"""Settings read from the environment or a ``.env`` file (the only module that reads them)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from runagent_pulse.common.urls import hide_password
from runagent_pulse.executors.serverless import DEFAULT_BASE_URL
from runagent_pulse.timespec import TimespecError, parse_duration

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./pulse-data/pulse.db"


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    try:
        return parse_duration(value)
    except TimespecError as exc:
        raise ValueError(str(exc)) from exc


_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


def normalize_database_url(url: str) -> str:
    """``url`` with the driver Pulse uses for its backend (aiosqlite or asyncpg)."""
    scheme, separator, rest = url.partition("://")
    driver = _DRIVERS.get(scheme.lower()) if separator else None
    if driver is None:
        raise ValueError(
            "use sqlite:///path/to/pulse.db or postgresql://user@host:5432/dbname "
            "(drivers: sqlite+aiosqlite, postgresql+asyncpg; Pulse talks to PostgreSQL "
            "through asyncpg, which also carries LISTEN/NOTIFY)"
        )
    return f"{driver}://{rest}"


class Settings(BaseSettings):
    """Every knob of a Pulse server. Field aliases are the environment variable names."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    database_url: str = Field(DEFAULT_DATABASE_URL, alias="PULSE_DATABASE_URL")
    host: str = Field("127.0.0.1", alias="PULSE_HOST")
    metrics_public: bool = Field(False, alias="PULSE_METRICS_PUBLIC")
    mcp_enabled: bool = Field(False, alias="PULSE_MCP")
    mcp_allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list, alias="PULSE_MCP_ALLOWED_HOSTS"
    )
    mcp_max_active_schedules: int = Field(
        100, ge=1, le=1_000_000, alias="PULSE_MCP_MAX_ACTIVE_SCHEDULES"
    )
    mcp_min_interval: timedelta = Field(timedelta(seconds=60), alias="PULSE_MCP_MIN_INTERVAL")
    log_format: Literal["text", "json"] = Field("text", alias="PULSE_LOG_FORMAT")
    port: int = Field(8000, ge=1, le=65535, alias="PULSE_PORT")
    api_key: SecretStr | None = Field(None, alias="PULSE_API_KEY")
    debug: bool = Field(False, alias="PULSE_DEBUG")
    debug_loggers: Annotated[list[str], NoDecode] = Field(
        default_factory=list, alias="PULSE_DEBUG_LOGGERS"
    )
    timezone: str = Field("UTC", alias="PULSE_TIMEZONE")
    max_concurrent_runs: int = Field(1000, ge=1, le=100_000, alias="PULSE_MAX_CONCURRENT_RUNS")
    run_timeout: timedelta = Field(timedelta(minutes=10), alias="PULSE_RUN_TIMEOUT")
    schedule_timeout: timedelta = Field(timedelta(hours=1), alias="SCHEDULE_TIMEOUT")
    default_executor: Literal["auto", "serverless", "local"] = Field(
        "auto", alias="DEFAULT_EXECUTOR"
    )
    enable_serverless: bool = Field(False, alias="ENABLE_SERVERLESS_INTEGRATION")
    serverless_api_key: SecretStr | None = Field(None, alias="RUNAGENT_SERVERLESS_API_KEY")
    runagent_base_url: str = Field(
        DEFAULT_BASE_URL,
        pattern=r"^https?://[^\s/]+(/\S*)?$",
        max_length=2048,
        alias="RUNAGENT_BASE_URL",
    )
    agent_max_in_flight: int = Field(16, ge=1, le=1024, alias="PULSE_AGENT_MAX_IN_FLIGHT")
    local_agent_path: Annotated[list[Path], NoDecode] = Field(
        default_factory=list, alias="LOCAL_AGENT_PATH"
    )
    local_agent_allowlist: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        validation_alias=AliasChoices("PULSE_LOCAL_AGENT_ALLOWLIST", "local_agent_allowlist"),
    )
    local_agent_follow_symlinks: bool = Field(False, alias="PULSE_LOCAL_AGENT_FOLLOW_SYMLINKS")
    agent_env_passthrough: Annotated[list[str], NoDecode] = Field(
        default_factory=list, alias="PULSE_AGENT_ENV_PASSTHROUGH"
    )
    local_workers: int = Field(2, ge=1, le=256, alias="PULSE_LOCAL_WORKERS")
    db_pool_size: int = Field(8, ge=1, le=200, alias="PULSE_DB_POOL_SIZE")
    lease_duration: timedelta = Field(timedelta(seconds=30), alias="PULSE_LEASE_DURATION")
    shutdown_grace: timedelta = Field(timedelta(seconds=30), alias="PULSE_SHUTDOWN_GRACE")
    webhook_secret: SecretStr | None = Field(None, alias="PULSE_WEBHOOK_SECRET")
    callback_allow_private: bool = Field(True, alias="PULSE_CALLBACK_ALLOW_PRIVATE")
    callback_timeout: timedelta = Field(timedelta(seconds=10), alias="PULSE_CALLBACK_TIMEOUT")
    callback_retry_schedule: Annotated[list[timedelta], NoDecode] = Field(
        default_factory=lambda: [
            timedelta(0),
            timedelta(seconds=5),
            timedelta(minutes=5),
            timedelta(minutes=30),
            timedelta(hours=2),
            timedelta(hours=5),
            timedelta(hours=10),
            timedelta(hours=10),
        ],
        alias="PULSE_CALLBACK_RETRY_SCHEDULE",
    )
    run_retention: timedelta = Field(timedelta(days=30), alias="PULSE_RUN_RETENTION")
    max_params_bytes: int = Field(256 * 1024, ge=1024, alias="PULSE_MAX_PARAMS_BYTES")
    http_max_response_bytes: int = Field(
        1024 * 1024, ge=1024, le=64 * 1024 * 1024, alias="PULSE_HTTP_MAX_RESPONSE_BYTES"
    )
    http_max_connections: int = Field(100, ge=1, le=10_000, alias="PULSE_HTTP_MAX_CONNECTIONS")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r} (e.g. 'Europe/Paris')") from exc
        return value

    @field_validator(
        "run_timeout",
        "schedule_timeout",
        "lease_duration",
        "shutdown_grace",
        "callback_timeout",
        "run_retention",
        "mcp_min_interval",
        mode="before",
    )
    @classmethod
    def _parse_duration(cls, value: Any) -> timedelta:
        return _duration(value)

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        return normalize_database_url(value)

    @field_validator("callback_retry_schedule", mode="before")
    @classmethod
    def _parse_schedule(cls, value: Any) -> list[timedelta]:
        if isinstance(value, str):
            value = [part for part in value.replace(" ", "").split(",") if part]
        return [_duration(item) for item in value]

    @field_validator("local_agent_path", mode="before")
    @classmethod
    def _split_paths(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [Path(part) for part in value.split(":") if part]
        return value

    @field_validator(
        "local_agent_allowlist",
        "agent_env_passthrough",
        "debug_loggers",
        "mcp_allowed_hosts",
        mode="before",
    )
    @classmethod
    def _split_names(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


class ConfigError(Exception):
    """A setting has an invalid value; the message names the variable."""


def load_settings(**overrides: Any) -> Settings:
    """Read settings, turning validation errors into one message naming each variable."""
    try:
        return Settings(**overrides)
    except PydanticValidationError as exc:
        lines = []
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "settings"
            field = Settings.model_fields.get(name)
            variable = (field.alias if field and field.alias else name) if field else name
            given = error.get("input")
            shown = hide_password(given) if isinstance(given, str) else given
            lines.append(f"{variable}: {error['msg']} (got {shown!r})")
        raise ConfigError("Invalid configuration:\n  " + "\n  ".join(lines)) from exc
