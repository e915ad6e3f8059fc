"""HTTP routes for the mutation service's audit log: read it and verify its hash chain (auditors,
administrators)."""

from services.mutation.adapters.audit_log import log
from shared.audit.routes import audit_router

router = audit_router("/api/v1/audit", log, subjects="proposal, decree or policy id")
