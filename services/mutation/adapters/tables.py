"""The mutation service's tables (it owns this database; no other service reads it)."""

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
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
from shared.readmodels.employees import employee_read_model

metadata = MetaData()

employees = employee_read_model(metadata)

# Annual predicates from the appraisal service's `evaluation.finalised` events: the eligibility rule asks
# for at least Baik in the last two years (Peraturan BKN 5/2019 Pasal 3).
appraisal_predicates = Table(
    "appraisal_predicates",
    metadata,
    Column("nip", String(18), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("predicate", String(20), nullable=False),
)

talent_boxes = Table(
    "talent_boxes",
    metadata,
    Column("nip", String(18), primary_key=True),
    Column("box", Integer, nullable=False, comment="9-box position 1-9 (PermenPANRB 3/2020)"),
    Column("in_succession_pool", Boolean, nullable=False),
    Column("year", Integer, nullable=False, comment="year of the annual predicate the box rests on"),
)

# --- read models from the employee service's organisation and workload events ---------------------------

agencies = Table(
    "agencies",
    metadata,
    Column("code", String(20), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False, comment="central, province, kabupaten or kota"),
    Column("province_code", String(20), nullable=True),
    Column("version", Integer, nullable=False),
)

units = Table(
    "units",
    metadata,
    Column("unit_id", String(64), primary_key=True),
    Column("agency_code", String(20), nullable=False, index=True),
    Column("parent_id", String(64), nullable=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("location", String(100), nullable=True),
    Column("head_position_id", String(64), nullable=True),
    Column("version", Integer, nullable=False),
)

positions = Table(
    "positions",
    metadata,
    Column("position_id", String(64), primary_key=True),
    Column("unit_id", String(64), nullable=False, index=True),
    Column("agency_code", String(20), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("type", String(20), nullable=False),
    Column("job_class", Integer, nullable=False),
    Column("authorised_headcount", Integer, nullable=False),
    Column("competency_standard", JSON, nullable=False),
    Column("minimum_rank", String(5), nullable=True),
    Column("retirement_age", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("staff_needed", Integer, nullable=True, comment="from the position's ABK; none before it has one"),
    Column("workload_hours", Float, nullable=True),
    Column("tasks_version", Integer, nullable=True),
)

# Assessed competency levels (PermenPANRB 38/2017), newest per competency, for the job-person match.
competencies = Table(
    "competencies",
    metadata,
    Column("nip", String(18), primary_key=True),
    Column("competency", String(100), primary_key=True),
    Column("level", Integer, nullable=False),
    Column("assessed_on", Date, nullable=False),
)

# --- records the mutation service keeps itself ------------------------------------------------------------

# Declared family ties, for the conflict-of-interest rule (a relative in the target unit).
relatives = Table(
    "relatives",
    metadata,
    Column("nip", String(18), primary_key=True),
    Column("relative_nip", String(18), primary_key=True),
    Column("relation", String(30), nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Index("ix_relatives_relative_nip", "relative_nip"),
)

# A service bond (ikatan dinas, e.g. after a study assignment) blocks a move while it runs.
service_bonds = Table(
    "service_bonds",
    metadata,
    Column("nip", String(18), primary_key=True),
    Column("until", Date, nullable=False),
    Column("basis", String(300), nullable=False, comment="the agreement or decree that set the bond"),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
)

# Versioned eligibility policy per agency; version 0 (no row) is the regulation default.
eligibility_policies = Table(
    "eligibility_policies",
    metadata,
    Column("agency_code", String(20), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("settings", JSON, nullable=False),
    Column("note", String(500), nullable=True),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

mutation_rounds = Table(
    "mutation_rounds",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("initiator", String(20), nullable=False),
    Column("plan_ref", String(100), nullable=True, comment="the placement plan the round came from"),
    Column("size", Integer, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

proposals = Table(
    "proposals",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("nip", String(18), nullable=False, index=True),
    Column("employee_name", String(200), nullable=False),
    Column("mutation_type", String(40), nullable=False),
    Column("initiator", String(20), nullable=False),
    Column("state", String(30), nullable=False, index=True),
    Column("round_id", Uuid, ForeignKey("mutation_rounds.id"), nullable=True, index=True),
    Column("plan_ref", String(100), nullable=True),
    Column("explanation", JSON, nullable=True, comment="why a placement plan proposed this move (scores)"),
    Column("origin_agency_code", String(20), nullable=False, index=True),
    Column("origin_unit_id", String(64), nullable=True),
    Column("origin_position_id", String(64), nullable=True, index=True),
    Column("target_agency_code", String(20), nullable=False, index=True),
    Column("target_unit_id", String(64), nullable=False),
    Column("target_position_id", String(64), nullable=False, index=True),
    Column("target_province_code", String(20), nullable=True),
    Column("reason", Text, nullable=False),
    Column("organisational_reason", Text, nullable=True),
    Column("proposed_tmt", Date, nullable=True),
    Column("submitted_at", UtcDateTime, nullable=True),
    Column("verified_at", UtcDateTime, nullable=True),
    Column("due_at", UtcDateTime, nullable=True, comment="SLA: a verified file is decided by then"),
    Column("decided_at", UtcDateTime, nullable=True),
    Column("tmt", Date, nullable=True, comment="from the decree in force"),
    Column("decree_id", Uuid, nullable=True),
    Column("decree_number", String(100), nullable=True),
    Column("failure_reason", Text, nullable=True),
    Column("employee_response", String(20), nullable=True),
    Column("open_objections", Integer, nullable=False),
    Column("check_outcome", String(10), nullable=True),
    Column("policy_agency_code", String(20), nullable=True),
    Column("policy_version", Integer, nullable=True),
    Column("created_by", String(200), nullable=False),
    Column(
        "on_behalf_reason",
        Text,
        nullable=True,
        comment="created_by filed the employee's own request for them: why; none: nobody's act entered",
    ),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_proposals_created", "created_at", "id"),
    Index("ix_proposals_due", "state", "due_at"),
    Index("ix_proposals_effective", "state", "tmt"),
)

check_runs = Table(
    "check_runs",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("proposal_id", Uuid, ForeignKey("proposals.id"), nullable=False, index=True),
    Column("trigger", String(30), nullable=False, comment="create, recheck or the decision it preceded"),
    Column("outcome", String(10), nullable=False),
    Column("policy_agency_code", String(20), nullable=True),
    Column("policy_version", Integer, nullable=False),
    Column("results", JSON, nullable=False),
    Column("at", UtcDateTime, nullable=False),
)

transitions = Table(
    "transitions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("proposal_id", Uuid, ForeignKey("proposals.id"), nullable=False),
    Column("action", String(30), nullable=False),
    Column("from_state", String(30), nullable=False),
    Column("to_state", String(30), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("actor_roles", String(200), nullable=False),
    Column("reason", Text, nullable=True, comment="in the words of the person who acted"),
    Column("reason_code", String(50), nullable=True, comment="what the platform says, worded by the app"),
    Column("reason_params", JSON, nullable=True),
    Column(
        "on_behalf_of",
        Text,
        nullable=True,
        comment="whose act the actor entered for them: an employee's NIP, a decree's signatory",
    ),
    Column("on_behalf_reason", Text, nullable=True, comment="why the actor entered it for them"),
    Column("check_run_id", Uuid, ForeignKey("check_runs.id"), nullable=True),
    Column("at", UtcDateTime, nullable=False),
    Index("ix_transitions_proposal", "proposal_id", "at"),
)

overrides = Table(
    "overrides",
    metadata,
    Column("proposal_id", Uuid, ForeignKey("proposals.id"), primary_key=True),
    Column("rule", String(50), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("approver", String(200), nullable=False),
    Column("at", UtcDateTime, nullable=False),
)

responses = Table(
    "responses",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("proposal_id", Uuid, ForeignKey("proposals.id"), nullable=False, index=True),
    Column("nip", String(18), nullable=False),
    Column("response", String(20), nullable=False, comment="accepted or objected"),
    Column("reason", Text, nullable=True),
    Column("at", UtcDateTime, nullable=False),
    Column("state", String(20), nullable=False, comment="objections: open, upheld or dismissed"),
    Column("answer", Text, nullable=True),
    Column("answered_by", String(200), nullable=True),
    Column("answered_at", UtcDateTime, nullable=True),
)

documents = Table(
    "documents",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("proposal_id", Uuid, ForeignKey("proposals.id"), nullable=False, index=True),
    Column("kind", String(40), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("storage_key", String(300), nullable=False),
    Column("uploaded_by", String(200), nullable=False),
    Column("uploaded_at", UtcDateTime, nullable=False),
)

# One counter row per issuing office and year, incremented in the transaction that issues the decree:
# concurrent issues queue on the row, and a rolled-back issue gives its number back (no gaps, no doubles).
decree_registers = Table(
    "decree_registers",
    metadata,
    Column("register", String(20), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("last_number", Integer, nullable=False),
)

decrees = Table(
    "decrees",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("proposal_id", Uuid, ForeignKey("proposals.id"), nullable=False, index=True),
    Column("number", String(100), nullable=False, unique=True),
    Column("register", String(20), nullable=False),
    Column("year", Integer, nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("version", Integer, nullable=False, comment="1 for the original, then each amendment/revocation"),
    Column("changes_id", Uuid, nullable=True, comment="the decree an amendment or revocation changes"),
    Column("status", String(20), nullable=False),
    Column("tmt", Date, nullable=False),
    Column("content", JSON, nullable=False),
    Column("storage_key", String(300), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("issued_by", String(200), nullable=False, comment="who entered the decree: the caller"),
    Column(
        "on_behalf_reason",
        Text,
        nullable=True,
        comment="issued_by entered the decree its signatory signed: why; none: the signatory entered it",
    ),
    Column("issued_at", UtcDateTime, nullable=False),
    UniqueConstraint("register", "year", "sequence", name="uq_decrees_register_sequence"),
    UniqueConstraint("proposal_id", "version", name="uq_decrees_proposal_version"),
)

audit_log = audit_log_table(metadata)
audit_head = audit_head_table(metadata)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
idempotency_keys = idempotency_table(metadata)

# The placement sub-domain keeps its tables on this metadata; importing them here lets the migrations and
# the runtime see the whole schema (a late import: that module takes `metadata` from this one).
import services.mutation.placement.adapters.tables  # noqa: E402, F401
