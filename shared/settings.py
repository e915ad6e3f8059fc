"""Settings of one service process, read from `ASN_*` environment variables (pydantic-settings).

Every setting has a working default for `make dev`; production refuses the development secret.
"""

from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ServiceName = Literal["gateway", "employee", "appraisal", "mutation", "training"]

SERVICE_PORTS: dict[str, int] = {
    "gateway": 8000,
    "employee": 8001,
    "appraisal": 8002,
    "mutation": 8003,
    "training": 8004,
}
DOMAIN_SERVICES: tuple[str, ...] = ("employee", "appraisal", "mutation", "training")

DEVELOPMENT_SECRET = "development-only-internal-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASN_", extra="ignore")

    service: ServiceName = "gateway"
    environment: Literal["development", "test", "production"] = "development"
    host: str = "127.0.0.1"
    port: int | None = None
    # The proxies whose X-Forwarded-For and X-Forwarded-Proto are believed: comma-separated addresses or
    # networks ("10.0.0.0/8"), as uvicorn takes them; empty, none are, and the caller is the peer.
    trusted_proxies: str = ""
    var_dir: Path = Path("var")
    database_url: str | None = None
    # Connections a process keeps open (pool) and may add under load (overflow); PostgreSQL's own limit
    # (max_connections, 100 by default) is shared by every process of every service on the server.
    database_pool_size: int = 10
    database_max_overflow: int = 10
    log_level: str = "INFO"
    log_json: bool = True

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: Path | None = None
    # Tansu (the embedded broker) rejects InitProducerId; Apache Kafka deployments turn this on.
    kafka_enable_idempotence: bool = False
    # Isolates environments (and tests) that share one broker.
    kafka_topic_prefix: str = ""
    # Tansu holds a new group's first join for half the session timeout: tests shorten it to start fast.
    kafka_session_timeout_ms: int = 10_000
    kafka_heartbeat_interval_ms: int = 3_000
    kafka_partitions: int = 3
    kafka_replication_factor: int = 1

    kafka_request_timeout_ms: int = 10_000
    # How often each service looks whether the broker still holds its topics (shared.events.continuity).
    kafka_watch_interval_seconds: float = 2.0

    outbox_batch_size: int = 500
    # Published outbox rows this recent are published again when the broker lost what it held (the inbox
    # drops what a consumer had); 7 days, Kafka's default retention.
    outbox_republish_window_hours: float = 168.0
    # The relay is woken on commit; this interval only catches rows written by other processes.
    outbox_poll_interval_seconds: float = 1.0
    consumer_max_retries: int = 4
    consumer_retry_backoff_seconds: float = 0.1

    internal_token_secret: SecretStr = SecretStr(DEVELOPMENT_SECRET)
    # How long a POST's Idempotency-Key and its answer are kept (ARCHITECTURE.md §8 promises 24 hours).
    idempotency_key_retention_hours: float = 48.0

    # Pins the business clock (shared.clock) to this instant at start-up, from which it advances: for tests
    # and demonstrations only, refused in production.
    clock_start: datetime | None = None

    gateway_url: str = "http://127.0.0.1:8000"
    employee_url: str = "http://127.0.0.1:8001"
    appraisal_url: str = "http://127.0.0.1:8002"
    mutation_url: str = "http://127.0.0.1:8003"
    training_url: str = "http://127.0.0.1:8004"
    upstream_timeout_seconds: float = 10.0
    upstream_connect_timeout_seconds: float = 2.0
    # The gateway proxy's HTTP client: its own (the default, measured faster) or aiohttp's, which the gateway
    # bench measures it against.
    upstream_client: Literal["own", "aiohttp"] = "own"

    @model_validator(mode="after")
    def _refuse_development_secret_in_production(self) -> "Settings":
        if self.environment == "production" and (
            self.internal_token_secret.get_secret_value() == DEVELOPMENT_SECRET
        ):
            raise ValueError("ASN_INTERNAL_TOKEN_SECRET must be set in production")
        if self.environment == "production" and self.clock_start is not None:
            raise ValueError("ASN_CLOCK_START pins the clock for tests; production runs on the real clock")
        if self.clock_start is not None and self.clock_start.tzinfo is None:
            raise ValueError("ASN_CLOCK_START needs its UTC offset, e.g. 2026-06-15T09:00:00+07:00")
        return self

    @property
    def listen_port(self) -> int:
        return self.port if self.port is not None else SERVICE_PORTS[self.service]

    @property
    def resolved_database_url(self) -> str:
        """The configured URL with its async driver; by default a SQLite file per service under var/."""
        url = self.database_url or f"sqlite:///{self.var_dir / (self.service + '.db')}"
        return with_async_driver(url)

    def upstream_url(self, service: str) -> str:
        return str(getattr(self, f"{service}_url"))


def forwarded_header_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for forwarded headers, wherever a service is served: only ASN_TRUSTED_PROXIES are
    believed. uvicorn's own default believes 127.0.0.1, so any caller reaching the gateway from this machine
    could name any address in X-Forwarded-For and so escape the gateway's per-address login rate limit."""
    trusted = settings.trusted_proxies.strip()
    return {"proxy_headers": True, "forwarded_allow_ips": trusted} if trusted else {"proxy_headers": False}


def with_async_driver(url: str) -> str:
    """`postgresql://` and `sqlite://` URLs get the asyncpg / aiosqlite driver; explicit drivers are kept."""
    for plain, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url
