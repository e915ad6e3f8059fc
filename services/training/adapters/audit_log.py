"""The training service's hash-chained audit log: the shared chain (`shared.audit`) on this service's own
tables, in its own database."""

from services.training.adapters.tables import audit_head, audit_log
from shared.audit.store import AuditLog

log = AuditLog(audit_log, audit_head)
