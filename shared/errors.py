"""The errors the platform reports to a caller, raised by domain code as plain Python: each fixes its HTTP
status and its problem type, which `shared.problems` turns into an RFC 9457 response in the web layer.
"""

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel


class FieldProblem(BaseModel):
    """One field-level or row-level problem."""

    field: str | None = None
    message: str
    line: int | None = None
    value: Any = None


class DomainError(Exception):
    """Base of every error the platform reports to a caller; subclasses fix the status and the type."""

    status: int = 400
    code: str = "bad-request"
    title: str = "Bad request"

    def __init__(self, detail: str, *, errors: Sequence[FieldProblem] = (), code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors)
        if code is not None:
            self.code = code


class InvalidInput(DomainError):
    status, code, title = 422, "invalid-input", "Invalid input"


class NotFound(DomainError):
    status, code, title = 404, "not-found", "Not found"


class Conflict(DomainError):
    status, code, title = 409, "conflict", "Conflict"


class PreconditionFailed(DomainError):
    status, code, title = 412, "precondition-failed", "Precondition failed"


class PreconditionRequired(DomainError):
    status, code, title = 428, "precondition-required", "Precondition required"


class Unauthorized(DomainError):
    status, code, title = 401, "unauthorized", "Authentication required"


class Forbidden(DomainError):
    status, code, title = 403, "forbidden", "Forbidden"


class UpstreamUnavailable(DomainError):
    status, code, title = 502, "upstream-unavailable", "Service unavailable"


class UpstreamTimeout(DomainError):
    status, code, title = 504, "upstream-timeout", "Service did not answer in time"
