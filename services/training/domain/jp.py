"""JP (jam pelajaran) tracking. JP come from completed trainings and from external records (training
elsewhere, imported or entered by HR). Pure Python: no I/O, no framework.

What a year's JP mean depends on who the person is (`JpRules`): every PNS has the right to at least 20 JP of
competency development a year (PP 11/2017 Pasal 203 as amended by PP 17/2020), and a CPNS, a PNS to be, is
counted with them; a PPPK's development is granted up to 24 JP per contract year (PP 49/2018 Pasal 39, to
confirm against the regulation's text): a ceiling, not a right to a minimum, so a PPPK is never "below 20
JP". Both values are settings (`TrainingSettings`), these being their defaults.

A training counts in the year of its completion date, also when its session began the year before: the
JP are earned when the training is completed and its certificate issued. A PPPK's JP are counted by calendar
year too: the platform does not hold the dates their contracts run from.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from shared.errors import FieldProblem, InvalidInput

MAX_EXTERNAL_JP = 1000
NIP_PATTERN = re.compile(r"^\d{18}$")
# The employment type (the employee service's) whose development has a ceiling instead of a right.
PPPK = "PPPK"


class JpSource(StrEnum):
    COMPLETION = "completion"  # a training of this catalogue
    EXTERNAL = "external"  # recorded by HR or imported


@dataclass(frozen=True)
class JpEntry:
    completed_on: date
    jp: int
    title: str
    source: JpSource
    reference: str  # the enrolment or the external record


def total_in_year(entries: Iterable[JpEntry], year: int) -> int:
    return sum(e.jp for e in entries if e.completed_on.year == year)


def totals_by_year(entries: Iterable[JpEntry]) -> dict[int, int]:
    totals: dict[int, int] = {}
    for entry in entries:
        totals[entry.completed_on.year] = totals.get(entry.completed_on.year, 0) + entry.jp
    return dict(sorted(totals.items()))


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


@dataclass(frozen=True)
class YearStanding:
    """A person's JP of a year against what applies to them: a right to a minimum or a ceiling."""

    year: int
    total: int
    required: int | None  # the right's minimum; None for a PPPK, who has no such right
    ceiling: int | None  # the most granted; None for a PNS, whose right has no ceiling

    @property
    def shortfall(self) -> int | None:
        return None if self.required is None else max(0, self.required - self.total)

    @property
    def meets_right(self) -> bool | None:
        return None if self.required is None else self.total >= self.required

    @property
    def excess(self) -> int | None:
        """JP above the ceiling: development beyond what is granted."""
        return None if self.ceiling is None else max(0, self.total - self.ceiling)


@dataclass(frozen=True)
class JpRules:
    """The yearly JP of PNS (a right to a minimum) and of PPPK (a ceiling): see the module's docstring."""

    pns_right: int = 20
    pppk_ceiling: int = 24

    def standing(self, employment_type: str, year: int, total: int) -> YearStanding:
        if employment_type == PPPK:
            return YearStanding(year, total, required=None, ceiling=self.pppk_ceiling)
        return YearStanding(year, total, required=self.pns_right, ceiling=None)


def standing(entries: Iterable[JpEntry], year: int, employment_type: str, rules: JpRules) -> YearStanding:
    return rules.standing(employment_type, year, total_in_year(entries, year))


@dataclass(frozen=True)
class Person:
    nip: str
    name: str
    unit_id: str | None
    employment_type: str


@dataclass(frozen=True)
class Counted:
    person: Person
    standing: YearStanding


@dataclass(frozen=True)
class CeilingReport:
    """The PPPK of a compliance report, apart: who had more than the ceiling, and how many did not."""

    ceiling: int
    employees: int
    above: list[Counted]  # most JP first

    @property
    def within(self) -> int:
        return self.employees - len(self.above)


@dataclass(frozen=True)
class ComplianceReport:
    year: int
    required: int
    employees: int  # those with the right: PNS and CPNS
    compliant: int
    below: list[Counted]  # fewest JP first
    pppk: CeilingReport  # counted apart, never as below the right

    @property
    def compliance_percent(self) -> float | None:
        return round(100 * self.compliant / self.employees, 2) if self.employees else None


def compliance(
    people: Sequence[Person], totals: Mapping[str, int], year: int, rules: JpRules
) -> ComplianceReport:
    """Who of those with the right is below it, and, apart, which PPPK had more than their ceiling."""
    counted = [Counted(p, rules.standing(p.employment_type, year, totals.get(p.nip, 0))) for p in people]
    with_right = [c for c in counted if c.standing.required is not None]
    under_ceiling = [c for c in counted if c.standing.ceiling is not None]
    below = sorted(
        (c for c in with_right if not c.standing.meets_right),
        key=lambda c: (c.standing.total, c.person.nip),
    )
    above = sorted(
        (c for c in under_ceiling if c.standing.excess),
        key=lambda c: (-c.standing.total, c.person.nip),
    )
    return ComplianceReport(
        year=year,
        required=rules.pns_right,
        employees=len(with_right),
        compliant=len(with_right) - len(below),
        below=below,
        pppk=CeilingReport(ceiling=rules.pppk_ceiling, employees=len(under_ceiling), above=above),
    )


# --- external records, one by one or from a CSV file ----------------------------------------------------

IMPORT_COLUMNS = ("nip", "title", "completed_on", "jp")
OPTIONAL_COLUMNS = ("provider", "certificate_number")


@dataclass(frozen=True)
class ExternalRecord:
    nip: str
    title: str
    provider: str | None
    completed_on: date
    jp: int
    certificate_number: str | None


def title_key(title: str) -> str:
    """A title as compared: whitespace collapsed, case folded."""
    return " ".join(title.split()).casefold()


def identity(nip: str, title: str, completed_on: date) -> tuple[str, str, date]:
    """What makes two external records the same training: the person, the title and the date."""
    return nip, title_key(title), completed_on


def check_header(columns: Sequence[str]) -> None:
    missing = [c for c in IMPORT_COLUMNS if c not in columns]
    unknown = [c for c in columns if c not in (*IMPORT_COLUMNS, *OPTIONAL_COLUMNS)]
    problems = [FieldProblem(field=c, line=1, message="required column missing") for c in missing] + [
        FieldProblem(field=c, line=1, message="unknown column") for c in unknown
    ]
    if problems:
        expected = ", ".join((*IMPORT_COLUMNS, *OPTIONAL_COLUMNS))
        raise InvalidInput(f"line 1 must name the columns: {expected}", errors=problems)


def external_records(
    rows: Iterable[tuple[int, Mapping[str, str | None]]],
    *,
    agency_of: Mapping[str, str],
    existing: set[tuple[str, str, date]],
    today: date,
) -> list[ExternalRecord]:
    """The records of a file's rows, all or none: every bad row is reported with its line number.

    `agency_of` gives the agency of every employee the file names that this service knows (the caller's
    scope over them was checked before); `existing` holds the identities already recorded.
    """
    records: list[ExternalRecord] = []
    problems: list[FieldProblem] = []
    first_line: dict[tuple[str, str, date], int] = {}
    for line, row in rows:
        found = _row_problems(line, row, agency_of=agency_of, today=today)
        if isinstance(found, list):
            problems.extend(found)
            continue
        key = identity(found.nip, found.title, found.completed_on)
        if key in existing:
            problems.append(
                FieldProblem(line=line, field="title", message="already recorded", value=found.title)
            )
        elif key in first_line:
            problems.append(
                FieldProblem(
                    line=line, field="title", message=f"repeats line {first_line[key]}", value=found.title
                )
            )
        else:
            first_line[key] = line
            records.append(found)
    if problems:
        lines = len({p.line for p in problems})
        raise InvalidInput(f"{lines} line(s) cannot be imported; nothing was recorded", errors=problems)
    if not records:
        raise InvalidInput("the file has no records", errors=[FieldProblem(line=2, message="no rows")])
    return records


def _row_problems(
    line: int,
    row: Mapping[str, str | None],
    *,
    agency_of: Mapping[str, str],
    today: date,
) -> ExternalRecord | list[FieldProblem]:
    problems: list[FieldProblem] = []

    def text(column: str, limit: int, *, required: bool) -> str | None:
        value = (row.get(column) or "").strip()
        if not value:
            if required:
                problems.append(FieldProblem(line=line, field=column, message="required"))
            return None
        if len(value) > limit:
            problems.append(FieldProblem(line=line, field=column, message=f"at most {limit} characters"))
        return value

    nip = text("nip", 18, required=True)
    if nip is not None:
        if not NIP_PATTERN.match(nip):
            problems.append(FieldProblem(line=line, field="nip", message="18 digits", value=nip))
        elif nip not in agency_of:
            problems.append(FieldProblem(line=line, field="nip", message="no such employee", value=nip))
    title = text("title", 200, required=True)
    provider = text("provider", 200, required=False)
    certificate = text("certificate_number", 100, required=False)
    completed_on = _date(text("completed_on", 10, required=True), line, problems, today)
    jp = _jp(text("jp", 6, required=True), line, problems)
    if problems:
        return problems
    assert nip is not None and title is not None and completed_on is not None and jp is not None
    return ExternalRecord(nip, title, provider, completed_on, jp, certificate)


def _date(value: str | None, line: int, problems: list[FieldProblem], today: date) -> date | None:
    if value is None:
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        problems.append(
            FieldProblem(line=line, field="completed_on", message="a date YYYY-MM-DD", value=value)
        )
        return None
    if parsed > today:
        problems.append(FieldProblem(line=line, field="completed_on", message="in the future", value=value))
    return parsed


def _jp(value: str | None, line: int, problems: list[FieldProblem]) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or not 1 <= int(value) <= MAX_EXTERNAL_JP:
        problems.append(
            FieldProblem(line=line, field="jp", message=f"a whole number 1 to {MAX_EXTERNAL_JP}", value=value)
        )
        return None
    return int(value)
