"""The errors the platform reports to a caller, raised by domain code as plain Python: each fixes its HTTP
status and its problem type, which `shared.problems` turns into an RFC 9457 response in the web layer.
"""

import heapq
from collections.abc import Iterable, Sequence
from itertools import count
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

    def __init__(
        self,
        detail: str,
        *,
        errors: Sequence[FieldProblem] = (),
        code: str | None = None,
        errors_total: int | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors)
        # How many problems there were in all, where `errors` lists only the first of them.
        self.errors_total = errors_total
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


class ProblemList:
    """The problems of a file's rows, keeping the first `limit` by line and counting them all: a file of a
    million bad rows must not hold a million problems in memory, nor answer with them."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.total = 0
        self._lines: set[int | None] = set()
        # A max-heap by line (negated), so the last-lined problem is the one dropped when over the limit.
        self._kept: list[tuple[int, int, FieldProblem]] = []
        self._order = count()

    def append(self, problem: FieldProblem) -> None:
        self.total += 1
        self._lines.add(problem.line)
        entry = (-(problem.line or 0), -next(self._order), problem)
        if len(self._kept) < self.limit:
            heapq.heappush(self._kept, entry)
        elif entry > self._kept[0]:
            heapq.heapreplace(self._kept, entry)

    def extend(self, problems: Iterable[FieldProblem]) -> None:
        for problem in problems:
            self.append(problem)

    def __bool__(self) -> bool:
        return self.total > 0

    @property
    def rows(self) -> int:
        """How many lines have a problem."""
        return len(self._lines)

    def first(self) -> list[FieldProblem]:
        """The kept problems, by line (those of one line in the order they were found)."""
        return [problem for _, _, problem in sorted(self._kept, reverse=True)]
