"""The gateway's own settings on top of every service's: tokens, identity, protection and webhooks.

Read from the same `ASN_*` environment variables; each has a working default for `make dev`, and production
refuses the development signing secret as it refuses the internal one.
"""

from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from shared.egress import parse_networks
from shared.settings import Settings
from shared.uploads import DOCUMENT_BYTES, JP_IMPORT_BYTES, MULTIPART_ALLOWANCE, SPREADSHEET_IMPORT_BYTES

DEVELOPMENT_TOKEN_SECRET = "development-only-access-token-secret-change-me"

# The routes that take files, by path prefix (`*` stands for one segment, e.g. a proposal's id), and the
# bodies they may send: what the owning service takes (shared.uploads) and the multipart around it.
UPLOAD_LIMITS = {
    "/api/v1/employees/imports": SPREADSHEET_IMPORT_BYTES + MULTIPART_ALLOWANCE,
    "/api/v1/units/imports": SPREADSHEET_IMPORT_BYTES + MULTIPART_ALLOWANCE,
    "/api/v1/positions/imports": SPREADSHEET_IMPORT_BYTES + MULTIPART_ALLOWANCE,
    "/api/v1/jp/imports": JP_IMPORT_BYTES + MULTIPART_ALLOWANCE,
    "/api/v1/mutations/*/documents": DOCUMENT_BYTES + MULTIPART_ALLOWANCE,
}


class GatewaySettings(Settings):
    # Access tokens: short-lived JWTs for people and agency systems (ARCHITECTURE.md §6).
    token_secret: SecretStr = SecretStr(DEVELOPMENT_TOKEN_SECRET)
    token_issuer: str = "asn-gateway"
    token_audience: str = "asn-api"
    access_token_ttl_seconds: int = 300
    refresh_token_ttl_seconds: int = 8 * 3600
    # How often revocations made by other gateway replicas are picked up.
    revocation_poll_seconds: float = 2.0

    # Identity: lockout and password rules.
    lockout_threshold: int = 5
    lockout_seconds: int = 15 * 60
    password_min_length: int = 10
    # A rotated client secret keeps working this long, so the agency system can switch without downtime.
    client_secret_grace_seconds: int = 24 * 3600

    # An external OpenID Connect issuer (production): its tokens are accepted when its JWKS signs them and
    # its `sub` is linked to a user here, whose role grants apply.
    oidc_issuer: str | None = None
    oidc_jwks_url: str | None = None
    oidc_audience: str | None = None

    # Protection.
    rate_limit_per_minute: int = 600
    rate_limit_burst: int = 100
    max_body_bytes: int = 1024 * 1024
    # Routes that take files may send larger bodies (UPLOAD_LIMITS); ASN_UPLOAD_LIMITS replaces the table,
    # as JSON.
    upload_limits: dict[str, int] = Field(default_factory=lambda: dict(UPLOAD_LIMITS))
    cors_origins: tuple[str, ...] = ("http://localhost:8000", "http://127.0.0.1:8000")

    # Aggregated views: each upstream part gets this long before it is reported missing.
    aggregate_timeout_seconds: float = 3.0
    openapi_cache_seconds: float = 60.0

    # Webhooks: deliveries are retried with exponential backoff up to `webhook_max_attempts`.
    webhook_timeout_seconds: float = 5.0
    webhook_max_attempts: int = 8
    webhook_backoff_seconds: float = 2.0
    webhook_backoff_max_seconds: float = 3600.0
    webhook_poll_interval_seconds: float = 1.0
    # Webhooks go to public addresses only; these networks (comma-separated CIDRs, "10.20.0.0/16", or an
    # address alone) are the administrator's exceptions, called although loopback, private or link-local.
    webhook_allowed_networks: Annotated[tuple[str, ...], NoDecode] = ()

    @field_validator("webhook_allowed_networks", mode="before")
    @classmethod
    def _networks(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = tuple(part for part in (p.strip() for p in value.split(",")) if part)
        # Refused at start-up: a mistyped network must not silently allow nothing, or something else.
        parse_networks(value)
        return value

    @model_validator(mode="after")
    def _refuse_development_token_secret_in_production(self) -> "GatewaySettings":
        if (
            self.environment == "production"
            and self.token_secret.get_secret_value() == DEVELOPMENT_TOKEN_SECRET
        ):
            raise ValueError("ASN_TOKEN_SECRET must be set in production")
        return self


def gateway_settings(settings: Settings | None = None, **overrides: object) -> GatewaySettings:
    """The gateway's settings: `settings`' values (e.g. a test's database), the rest from the environment."""
    if isinstance(settings, GatewaySettings) and not overrides:
        return settings
    values = settings.model_dump() if settings is not None else {}
    values.update(service="gateway", **overrides)
    return GatewaySettings(**values)
