"""The appraisal service's tables (it owns this database; no other service reads it)."""

from sqlalchemy import (
    JSON,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from shared.audit.store import audit_head_table, audit_log_table
from shared.db import UtcDateTime
from shared.events.tables import inbox_table, outbox_table
from shared.idempotency import idempotency_table
from shared.readmodels.agencies import agency_read_model
from shared.readmodels.employees import employee_read_model

metadata = MetaData()

NIP = String(18)
CREDIT = Numeric(10, 3)
PERCENT = Numeric(5, 2)
# The account that entered an act for the person the row names, and why (null: that person entered it).
ACCOUNT = String(200)


def _on_behalf() -> tuple[Column[str], Column[str]]:
    return (
        Column("entered_by", ACCOUNT, comment="the account that entered it for the person named"),
        Column("on_behalf_reason", Text),
    )


appraisal_periods = Table(
    "appraisal_periods",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("agency_code", String(20), nullable=False),
    Column("year", Integer, nullable=False),
    Column("frequency", String(10), nullable=False),
    Column("approver_nip", NIP, nullable=False, comment="PPK or delegate who may override the distribution"),
    Column("behaviour_rule", String(30), nullable=False),
    Column("objection_window_days", Integer, nullable=False),
    Column("organisation_predicate", String(20)),
    Column(
        "unit_predicates",
        JSON,
        nullable=False,
        server_default="{}",
        comment="work unit -> its own predicate, where the caps apply per unit",
    ),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("agency_code", "year", name="uq_appraisal_periods_agency_year"),
)

# An agency's rules for rating, finalising and capping the distribution (domain/policy.py); an agency
# without a row follows the regulation's defaults.
appraisal_policies = Table(
    "appraisal_policies",
    metadata,
    Column("agency_code", String(20), primary_key=True),
    Column("annual_rating_grace_days", Integer, nullable=False),
    Column("distribution_level", String(10), nullable=False),
    Column("distribution_shares", JSON, nullable=False, comment="rule code -> share, as a fraction"),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Reference data (PermenPANRB 1/2023): the yearly credit coefficient of each level of functional position.
functional_levels = Table(
    "functional_levels",
    metadata,
    Column("code", String(20), primary_key=True),
    Column("name", String(50), nullable=False),
    Column("yearly_coefficient", Numeric(6, 2), nullable=False),
)

period_finalisations = Table(
    "period_finalisations",
    metadata,
    Column("period_id", Uuid, ForeignKey("appraisal_periods.id"), primary_key=True),
    Column("point", String(10), primary_key=True),
    Column("population", Integer, nullable=False),
    Column("counts", JSON, nullable=False, comment="predicate -> employees"),
    Column("violations", JSON, nullable=False, comment="the rules broken when an approver overrode them"),
    Column("overridden_by", NIP),
    Column("override_reason", Text),
    Column("finalised_at", UtcDateTime, nullable=False),
)

skps = Table(
    "skps",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("period_id", Uuid, ForeignKey("appraisal_periods.id"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("nip", NIP, nullable=False, index=True),
    Column("agency_code", String(20), nullable=False, index=True),
    Column("appraiser_nip", NIP, nullable=False, index=True),
    Column("reviewer_nip", NIP, comment="the appraiser's supervisor, who decides objections"),
    Column("position_id", String(64)),
    Column("unit_id", String(64), comment="the work unit the employee is appraised in"),
    Column("position_type", String(20), nullable=False),
    Column("functional_level", String(20), comment="of a functional position (functional_levels)"),
    Column("credit_coefficient", CREDIT, comment="yearly credit points of a functional position"),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("period_id", "nip", name="uq_skps_period_nip"),
)

skp_indicators = Table(
    "skp_indicators",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("skp_id", Uuid, ForeignKey("skps.id"), nullable=False, index=True),
    Column("ordinal", Integer, nullable=False),
    Column("description", Text, nullable=False),
    Column("quantity", Numeric(14, 2), nullable=False),
    Column("quantity_unit", String(50), nullable=False),
    Column("quality_percent", PERCENT, nullable=False),
    Column("time_months", Integer, nullable=False),
    Column("cost", Numeric(16, 2)),
)

skp_realisations = Table(
    "skp_realisations",
    metadata,
    Column("indicator_id", Uuid, ForeignKey("skp_indicators.id"), primary_key=True),
    Column("point", String(10), primary_key=True),
    Column("skp_id", Uuid, ForeignKey("skps.id"), nullable=False, index=True),
    Column("quantity", Numeric(14, 2)),
    Column("quality_percent", PERCENT),
    Column("time_months", Integer),
    Column("cost", Numeric(16, 2)),
    Column("evidence", Text, nullable=False),
    Column("recorded_by", NIP, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    *_on_behalf(),
)

skp_feedback = Table(
    "skp_feedback",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("skp_id", Uuid, ForeignKey("skps.id"), nullable=False, index=True),
    Column("author_nip", NIP, nullable=False),
    Column("indicator_id", Uuid, ForeignKey("skp_indicators.id")),
    Column("note", Text, nullable=False),
    Column("given_at", UtcDateTime, nullable=False),
    *_on_behalf(),
)

evaluations = Table(
    "evaluations",
    metadata,
    Column("skp_id", Uuid, ForeignKey("skps.id"), primary_key=True),
    Column("point", String(10), primary_key=True),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("results", String(30), nullable=False),
    Column("behaviour", String(30), nullable=False),
    Column("behaviour_values", JSON, nullable=False, comment="BerAKHLAK value -> rating"),
    Column("predicate", String(20), nullable=False),
    Column("credit_points", CREDIT),
    Column("rated_by", NIP, nullable=False),
    Column("rated_at", UtcDateTime, nullable=False),
    Column("finalised_at", UtcDateTime),
    *_on_behalf(),
)

objections = Table(
    "objections",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("skp_id", Uuid, nullable=False, index=True),
    Column("point", String(10), nullable=False),
    Column("filed_by", NIP, nullable=False),
    Column("reason", Text, nullable=False),
    Column("filed_at", UtcDateTime, nullable=False),
    Column("original_results", String(30), nullable=False),
    Column("original_behaviour", String(30), nullable=False),
    Column("original_predicate", String(20), nullable=False),
    Column("original_credit_points", CREDIT),
    Column("decision", String(10)),
    Column("decided_by", NIP),
    Column("decided_at", UtcDateTime),
    Column("decision_note", Text),
    Column("revised_results", String(30)),
    Column("revised_behaviour", String(30)),
    Column("revised_predicate", String(20)),
    Column("revised_credit_points", CREDIT),
    *_on_behalf(),
    ForeignKeyConstraint(["skp_id", "point"], ["evaluations.skp_id", "evaluations.point"]),
    UniqueConstraint("skp_id", "point", name="uq_objections_evaluation"),
)

talent_policies = Table(
    "talent_policies",
    metadata,
    Column("agency_code", String(20), primary_key=True),
    Column("medium_from", PERCENT, nullable=False),
    Column("high_from", PERCENT, nullable=False),
    Column("weights", JSON, nullable=False, comment="assessed score -> weight in the potential score"),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

potential_assessments = Table(
    "potential_assessments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("nip", NIP, nullable=False, index=True),
    Column("agency_code", String(20), nullable=False),
    Column("assessed_on", Date, nullable=False),
    Column("job_person_match", PERCENT, nullable=False),
    Column("scores", JSON, nullable=False, comment="other assessed scores, 0-100"),
    Column("score", PERCENT, nullable=False),
    Column("potential", String(10), nullable=False),
    Column("source", String(200)),
    Column("recorded_at", UtcDateTime, nullable=False),
)

talent_positions = Table(
    "talent_positions",
    metadata,
    Column("nip", NIP, primary_key=True),
    Column("agency_code", String(20), nullable=False),
    Column("position_type", String(20), comment="of the latest annual SKP"),
    Column("year", Integer, comment="of the latest final annual predicate"),
    Column("predicate", String(20)),
    Column("potential", String(10)),
    Column("box", Integer),
    Column("updated_at", UtcDateTime, nullable=False),
)
Index("ix_talent_positions_pool", talent_positions.c.agency_code, talent_positions.c.box)

mutation_baselines = Table(
    "mutation_baselines",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("nip", NIP, nullable=False, index=True),
    Column("mutation_id", String(64)),
    Column("tmt", Date, nullable=False),
    Column("from_agency_code", String(20), nullable=False),
    Column("from_unit_id", String(64)),
    Column("from_position_id", String(64)),
    Column("to_agency_code", String(20), nullable=False, index=True),
    Column("to_unit_id", String(64)),
    Column("to_position_id", String(64)),
    Column("annual_year", Integer, comment="last annual predicate before the move"),
    Column("annual_predicate", String(20)),
    Column("periodic_year", Integer, comment="last periodic predicate before the move"),
    Column("periodic_point", String(10)),
    Column("periodic_predicate", String(20)),
    Column("recorded_at", UtcDateTime, nullable=False),
)

agencies = agency_read_model(metadata)
employees = employee_read_model(metadata)
# Overrides, finalisations, decisions and entries made on someone's behalf (shared/audit).
audit_log = audit_log_table(metadata)
audit_head = audit_head_table(metadata)
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
idempotency_keys = idempotency_table(metadata)
