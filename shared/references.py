"""The ids a request refers to (ARCHITECTURE.md §7): each must exist, belong with the others (a position in
that unit, a unit in that agency) and lie inside the caller's agencies. A use case notes every problem it
finds, then `settle()` refuses the request naming each field (or line) at once, before anything changes:
403 when a reference lies outside the caller's scope, else 422."""

from dataclasses import dataclass, field

from shared.errors import FieldProblem, Forbidden, InvalidInput
from shared.principal import Principal


@dataclass
class References:
    principal: Principal | None = None
    problems: list[FieldProblem] = field(default_factory=list)
    outside: list[FieldProblem] = field(default_factory=list)

    def unknown(self, name: str, what: str, value: object, *, line: int | None = None) -> None:
        """`value` in `name` refers to no `what` the service knows."""
        self.problems.append(FieldProblem(field=name, message=f"no {what} {value}", line=line))

    def mismatch(self, name: str, message: str, *, line: int | None = None) -> None:
        """`name` refers to something that exists but does not belong with the rest of the request."""
        self.problems.append(FieldProblem(field=name, message=message, line=line))

    def in_scope(self, name: str, agency_code: str | None, *, line: int | None = None) -> bool:
        """Notes `name` when it refers to an agency outside the caller's scope; True when inside."""
        if self.principal is None or self.principal.covers_agency(agency_code):
            return True
        message = f"refers to agency {agency_code or '(none)'}, which is outside your scope"
        self.outside.append(FieldProblem(field=name, message=message, line=line))
        return False

    def everywhere_in_scope(self, name: str, *, line: int | None = None) -> bool:
        """Notes `name` when it refers to every agency and the caller's scope is narrower; True when not."""
        if self.principal is None or self.principal.agencies is None:
            return True
        message = "refers to every agency, beyond your scope"
        self.outside.append(FieldProblem(field=name, message=message, line=line))
        return False

    def settle(self) -> None:
        if self.outside:
            raise Forbidden(_summary(self.outside), code="reference-scope", errors=self.outside)
        if self.problems:
            raise InvalidInput(_summary(self.problems), code="unknown-reference", errors=self.problems)


def _summary(problems: list[FieldProblem]) -> str:
    """One line naming every problem, for people and for the events that carry a refusal's reason."""
    return "; ".join(f"{'' if p.line is None else f'line {p.line} '}{p.field}: {p.message}" for p in problems)
