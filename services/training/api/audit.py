"""HTTP routes for the training service's audit log: read it and verify its hash chain (auditors,
administrators), under the training service's own path so the gateway routes them here."""

from services.training.adapters.audit_log import log
from shared.audit.routes import audit_router

router = audit_router("/api/v1/training/audit", log, subjects="development plan or enrolment id")
