"""The training service's tables (it owns this database; no other service reads it)."""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)

from shared.audit.store import audit_head_table, audit_log_table
from shared.db import UtcDateTime
from shared.events.tables import inbox_table, outbox_table
from shared.idempotency import idempotency_table
from shared.jobs import jobs_table
from shared.readmodels.agencies import agency_read_model
from shared.readmodels.employees import employee_read_model

metadata = MetaData()

NIP = String(18)
ACTOR = String(200)
PERCENT = Numeric(5, 2)

# --- read models of the employee service's organisation and assessments ------------------------------------

agencies = agency_read_model(metadata)
employees = employee_read_model(metadata)

positions = Table(
    "positions",
    metadata,
    Column("position_id", String(64), primary_key=True),
    Column("unit_id", String(64), nullable=False, index=True),
    Column("agency_code", String(20), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("type", String(20), nullable=False),
    Column("job_class", Integer, nullable=False),
    Column("competency_standard", JSON, nullable=False, comment="required level (1-5) per competency"),
    Column("version", Integer, nullable=False, comment="the employee service's version of the position"),
    Column("updated_at", UtcDateTime, nullable=False),
)

units = Table(
    "units",
    metadata,
    Column("unit_id", String(64), primary_key=True),
    Column("agency_code", String(20), nullable=False, index=True),
    Column("parent_id", String(64), index=True),
    Column("name", String(200), nullable=False),
    Column("head_position_id", String(64), comment="its head's position: the supervisor of its people"),
    Column("version", Integer, nullable=False, comment="the employee service's version of the unit"),
    Column("updated_at", UtcDateTime, nullable=False),
)

employee_competencies = Table(
    "employee_competencies",
    metadata,
    Column("nip", NIP, primary_key=True),
    Column("competency_key", String(100), primary_key=True, comment="the name, case and spacing folded"),
    Column("competency", String(100), nullable=False),
    Column("level", Integer, nullable=False),
    Column("assessed_on", Date, nullable=False),
    Column("source", String(200)),
)

# --- catalogue and sessions --------------------------------------------------------------------------------

programmes = Table(
    "programmes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("code", String(50), nullable=False),
    Column("title", String(200), nullable=False),
    Column("form", String(30), nullable=False),
    Column("agency_code", String(20), nullable=False, index=True, comment="the organising agency"),
    Column("provider", String(200), nullable=False),
    Column("jp", Integer, nullable=False, comment="jam pelajaran awarded on completion"),
    Column("competencies", JSON, nullable=False, comment="[{competency, level}] the programme develops"),
    Column("prerequisites", JSON, nullable=False, comment="ids of the programmes to complete first"),
    Column("issues_certificate", Boolean, nullable=False),
    Column("certificate_validity_months", Integer, comment="none: valid without end"),
    Column("follow_up_weeks", Integer, nullable=False),
    Column("description", Text),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("code", name="uq_programmes_code"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("programme_id", Uuid, ForeignKey("programmes.id"), nullable=False, index=True),
    Column("starts_on", Date, nullable=False, index=True),
    Column("ends_on", Date, nullable=False),
    Column("delivery", String(20), nullable=False),
    Column("place", String(200)),
    Column("online_url", String(500)),
    Column("capacity", Integer, nullable=False),
    Column("waiting_list_capacity", Integer, nullable=False),
    Column("trainers", JSON, nullable=False),
    Column("min_attendance_percent", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

enrolments = Table(
    "enrolments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("session_id", Uuid, ForeignKey("sessions.id"), nullable=False, index=True),
    Column("programme_id", Uuid, ForeignKey("programmes.id"), nullable=False, index=True),
    Column("nip", NIP, nullable=False, index=True),
    Column("agency_code", String(20), nullable=False, index=True, comment="the employee's, at enrolment"),
    Column("status", String(20), nullable=False),
    Column("requested_at", UtcDateTime, nullable=False, comment="the waiting list's order"),
    Column("enrolled_at", UtcDateTime),
    Column("cancelled_at", UtcDateTime),
    Column("cancellation_reason", Text),
    Column("completed_on", Date, index=True),
    Column("jp_awarded", Integer),
    Column(
        "programme_title",
        String(200),
        comment="the programme's title when completed: what the JP and the certificate were awarded for",
    ),
    Column("attendance_percent", PERCENT),
    Column("pre_test", PERCENT),
    Column("post_test", PERCENT),
    Column("reaction", JSON, comment="the participant's ratings (1-5) per question"),
    Column("reaction_comment", Text),
    Column("reaction_at", UtcDateTime),
    Column("supervisor_nip", NIP, index=True),
    Column("follow_up_due_on", Date),
    Column("follow_up_requested_at", UtcDateTime),
    Column("follow_up_behaviour", Integer),
    Column("follow_up_results", Integer),
    Column("follow_up_notes", Text),
    Column("follow_up_by", ACTOR),
    Column("follow_up_at", UtcDateTime),
    Column("follow_up_evaluator_nip", NIP, comment="whose evaluation it is: the participant's supervisor"),
    Column("follow_up_on_behalf_reason", Text, comment="why another account entered it for the supervisor"),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
# One live enrolment per person and session; a cancelled one may be followed by a new one.
Index(
    "uq_enrolments_live",
    enrolments.c.session_id,
    enrolments.c.nip,
    unique=True,
    postgresql_where=text("status <> 'cancelled'"),
    sqlite_where=text("status <> 'cancelled'"),
)

attendance = Table(
    "attendance",
    metadata,
    Column("enrolment_id", Uuid, ForeignKey("enrolments.id"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("session_id", Uuid, ForeignKey("sessions.id"), nullable=False, index=True),
    Column("present", Boolean, nullable=False),
    Column("recorded_by", ACTOR, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
)

certificates = Table(
    "certificates",
    metadata,
    Column("number", String(80), primary_key=True),
    Column("enrolment_id", Uuid, ForeignKey("enrolments.id"), nullable=False, unique=True),
    Column("nip", NIP, nullable=False, index=True),
    Column("programme_id", Uuid, ForeignKey("programmes.id"), nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("valid_until", Date, index=True, comment="none: valid without end"),
    Column("expiry_notified_at", UtcDateTime, comment="when the expiring reminder went out"),
)

# --- JP from elsewhere -------------------------------------------------------------------------------------

external_jp_records = Table(
    "external_jp_records",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("nip", NIP, nullable=False, index=True),
    Column("agency_code", String(20), nullable=False),
    Column("title", String(200), nullable=False),
    Column("title_key", String(200), nullable=False, comment="the title, case and spacing folded"),
    Column("provider", String(200)),
    Column("completed_on", Date, nullable=False, index=True),
    Column("jp", Integer, nullable=False),
    Column("certificate_number", String(100)),
    Column("source", String(20), nullable=False, comment="manual or import"),
    Column("recorded_by", ACTOR, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("nip", "title_key", "completed_on", name="uq_external_jp_records_identity"),
)

# --- development plans -------------------------------------------------------------------------------------

development_plans = Table(
    "development_plans",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("nip", NIP, nullable=False, index=True),
    Column("agency_code", String(20), nullable=False, index=True),
    Column("unit_id", String(64)),
    Column("position_id", String(64), index=True),
    Column("position_name", String(200)),
    Column("source", String(20), nullable=False, comment="mutation, request or appraisal"),
    Column("mutation_id", String(64), comment="the mutation that made the plan"),
    Column("appraisal_reference", String(100), comment="the evaluation that made the plan: year/point"),
    Column("reason", Text),
    Column("status", String(20), nullable=False),
    Column("job_person_match", PERCENT),
    Column("standard_known", Boolean, nullable=False),
    Column("supervisor_nip", NIP, index=True),
    Column("mentor", JSON, comment="{nip, name, rank_code, competencies}"),
    Column("employee_accepted_by", ACTOR),
    Column("employee_accepted_at", UtcDateTime),
    Column("employee_accepted_nip", NIP, comment="whose acceptance it is"),
    Column("employee_accepted_on_behalf_reason", Text, comment="why another account entered it for them"),
    Column("supervisor_accepted_by", ACTOR),
    Column("supervisor_accepted_at", UtcDateTime),
    Column("supervisor_accepted_nip", NIP, comment="whose acceptance it is"),
    Column("supervisor_accepted_on_behalf_reason", Text, comment="why another account entered it for them"),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("mutation_id", name="uq_development_plans_mutation"),
)

development_plan_items = Table(
    "development_plan_items",
    metadata,
    Column("plan_id", Uuid, ForeignKey("development_plans.id"), primary_key=True),
    Column("ordinal", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("competency", String(100)),
    Column("required_level", Integer),
    Column("current_level", Integer),
    Column("recommendations", JSON, nullable=False, comment="the programmes proposed, best first"),
    Column("programme_id", Uuid, comment="the chosen programme"),
    Column("session_id", Uuid),
    Column("target_date", Date),
    Column("note", Text),
)

# Acts entered on someone's behalf (`services.training.service.audit`).
audit_log = audit_log_table(metadata)
audit_head = audit_head_table(metadata)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
idempotency_keys = idempotency_table(metadata)
jobs = jobs_table(metadata)
