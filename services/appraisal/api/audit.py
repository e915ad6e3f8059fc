"""HTTP routes for the appraisal service's audit log: read it and verify its hash chain (auditors,
administrators), under the appraisal service's own path so the gateway routes them here."""

from services.appraisal.adapters.audit_log import log
from shared.audit.routes import audit_router

router = audit_router("/api/v1/appraisal/audit", log, subjects="period, SKP or agency id")
