"""The gateway's tables. It owns no domain data: only what the door itself needs - who may come in (users,
agency clients, their role grants, refresh-token families), a read model of agencies to resolve a province
to its agencies, webhook subscriptions with their delivery log - plus the outbox and inbox every service has.
"""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from shared.db import UtcDateTime
from shared.events.tables import inbox_table, outbox_table
from shared.idempotency import idempotency_table

metadata = MetaData()

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
idempotency_keys = idempotency_table(metadata)

users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("nip", String(18), nullable=True, comment="the employee this account belongs to, if any"),
    Column("password_hash", String(200), nullable=True, comment="argon2id; none for external-only accounts"),
    Column("external_subject", String(200), nullable=True, unique=True, comment="`sub` at the OIDC issuer"),
    Column("active", Boolean, nullable=False),
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until", UtcDateTime, nullable=True),
    Column("password_changed_at", UtcDateTime, nullable=True),
    Column("last_login_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
)

clients = Table(
    "clients",
    metadata,
    Column("client_id", String(100), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("agency_code", String(20), nullable=False, comment="the agency whose system this is"),
    Column("secret_hash", String(200), nullable=False),
    Column("previous_secret_hash", String(200), nullable=True),
    Column("previous_secret_expires_at", UtcDateTime, nullable=True),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("rotated_at", UtcDateTime, nullable=True),
    Column("version", Integer, nullable=False),
)

grants = Table(
    "grants",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("holder", String(120), nullable=False, comment="user:<id> or client:<client_id>"),
    Column("role", String(20), nullable=False),
    Column("scope_kind", String(10), nullable=False, comment="agency, province or all"),
    Column("scope_code", String(20), nullable=True, comment="the agency's or the province's code"),
    Column("granted_by", String(200), nullable=False),
    Column("granted_at", UtcDateTime, nullable=False),
    UniqueConstraint("holder", "role", "scope_kind", "scope_code", name="uq_grants_holder_role_scope"),
)
Index("ix_grants_holder", grants.c.holder)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("family_id", Uuid, nullable=False, comment="one login; rotation keeps it, logout revokes it"),
    Column("holder", String(120), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True, comment="SHA-256 of the opaque token"),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime, nullable=True, comment="rotated: using it again revokes the family"),
    Column("revoked_at", UtcDateTime, nullable=True),
)
Index("ix_refresh_tokens_family", refresh_tokens.c.family_id)
Index("ix_refresh_tokens_revoked_at", refresh_tokens.c.revoked_at)

agencies = Table(
    "agencies",
    metadata,
    Column("code", String(20), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("province_code", String(20), nullable=True, index=True),
    Column("version", Integer, nullable=False),
)

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("owner", String(200), nullable=False, comment="the principal that subscribed"),
    Column("url", String(2000), nullable=False),
    Column("event_types", JSON, nullable=False),
    Column("agencies", JSON, nullable=True, comment="events of these agencies only; null: every agency"),
    Column("secret", String(200), nullable=False, comment="HMAC key the receiver verifies signatures with"),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "subscription_id", Uuid, ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), nullable=False
    ),
    Column("event_id", Uuid, nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("agency_code", String(20), nullable=True),
    Column("payload", LargeBinary, nullable=False, comment="the CloudEvent as delivered"),
    Column("state", String(20), nullable=False, comment="pending, delivered or failed"),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=True),
    Column("claimed_until", UtcDateTime, nullable=True, comment="a sender holds it until then"),
    Column("last_status", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime, nullable=True),
    UniqueConstraint("subscription_id", "event_id", name="uq_webhook_deliveries_subscription_event"),
)
Index("ix_webhook_deliveries_due", webhook_deliveries.c.state, webhook_deliveries.c.next_attempt_at)
