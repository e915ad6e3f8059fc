"""The SIASN sub-domain's tables, on the employee service's metadata (services/employee/adapters/tables.py
imports this module, so migrations and the runtime see them).

- `siasn_references`: SIASN's reference lists (the agency's ref-unor, golongan, jabatan, pendidikan, ...) as
  last fetched, so mapping and reconciling read them without a call to SIASN.
- `siasn_differences`: the reconciliation queue: one row per person and field where SIASN and our record
  differ, open until HR accepts (our record takes SIASN's value through the ordinary command) or rejects it.
- `siasn_pushes`: what SIASN is sent, written in the transaction of what caused it (a completed mutation's
  move of the person: kind jabatan; a training completion consumed: kind kursus), so a push is never lost
  and never made twice (one per kind and source key), with how far it got and SIASN's answer.
"""

from sqlalchemy import (
    JSON,
    Column,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    Uuid,
)

from services.employee.adapters.tables import metadata
from shared.db import UtcDateTime

siasn_references = Table(
    "siasn_references",
    metadata,
    Column("list", String(40), nullable=False, comment="ref-unor, golongan, jabatan-fungsional, ..."),
    Column("id", String(64), nullable=False, comment="SIASN's id of the entry"),
    Column("name", String(300), nullable=False),
    Column("parent_id", String(64), comment="ref-unor: the unor above (DiatasanId)"),
    Column("data", JSON, nullable=False, comment="the entry as SIASN answered it"),
    Column("fetched_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("list", "id"),
)

siasn_differences = Table(
    "siasn_differences",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("nip", String(18), nullable=False),
    Column("agency_code", String(20), nullable=False, index=True),
    Column("field", String(50), nullable=False, comment="our field; 'record' for a person only SIASN has"),
    Column("ours", JSON, comment="our value when last compared"),
    Column("theirs", JSON, comment="SIASN's value when last compared"),
    Column("state", String(10), nullable=False, comment="open, accepted, rejected or resolved"),
    Column("since", UtcDateTime, nullable=False, comment="first seen differing (this time)"),
    Column("seen_at", UtcDateTime, nullable=False, comment="last compared"),
    Column("decided_by", String(100)),
    Column("decided_at", UtcDateTime),
    Column("version", Integer, nullable=False),
    UniqueConstraint("nip", "field", name="uq_siasn_differences_nip_field"),
)
Index("ix_siasn_differences_state", siasn_differences.c.state, siasn_differences.c.agency_code)

siasn_pushes = Table(
    "siasn_pushes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "kind", String(10), nullable=False, comment="jabatan (a mutation) or kursus (a training completion)"
    ),
    Column("source_key", String(64), nullable=False, comment="what caused it: the mutation or enrolment id"),
    Column("mutation_id", String(64), unique=True, comment="a jabatan push's mutation"),
    Column("nip", String(18), nullable=False, index=True),
    Column("agency_code", String(20), nullable=False, index=True),
    Column("payload", JSON, nullable=False, comment="decree number and date, TMT, unit, position, jenis"),
    Column("state", String(10), nullable=False, comment="waiting, sending, sent or failed"),
    Column("step", String(10), nullable=False, comment="how far it got: none, saved, uploaded, synced"),
    Column("rw_jabatan_id", String(64), comment="the riwayat jabatan SIASN saved"),
    Column("rw_kursus_id", String(64), comment="the riwayat kursus SIASN saved"),
    Column("attempts", Integer, nullable=False),
    Column("message", String(1000), comment="SIASN's answer to the last attempt that failed"),
    Column("next_attempt_at", UtcDateTime, comment="when a waiting push is tried again"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("kind", "source_key", name="uq_siasn_pushes_kind_source_key"),
)
Index("ix_siasn_pushes_due", siasn_pushes.c.state, siasn_pushes.c.next_attempt_at)
