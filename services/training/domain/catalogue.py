"""The training catalogue: programmes, the competencies they develop and to which level, their JP, provider,
prerequisites and how long their certificate stays valid (PP 11/2017 as amended by PP 17/2020; Peraturan
LAN 10/2018). Pure Python: no I/O, no framework.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any
from uuid import UUID

from services.training.domain.competencies import competency_key
from shared.errors import FieldProblem, InvalidInput

MAX_JP = 1000
MAX_VALIDITY_MONTHS = 240
DEFAULT_FOLLOW_UP_WEEKS = 8


class Form(StrEnum):
    """Forms of competency development (Peraturan LAN 10/2018): education, classical training and the
    non-classical forms."""

    EDUCATION = "education"  # tugas belajar: a degree
    CLASSICAL = (
        "classical"  # pelatihan klasikal: leadership, managerial, technical, functional, socio-cultural
    )
    BIMTEK = "bimtek"  # bimbingan teknis
    SEMINAR = "seminar"
    WORKSHOP = "workshop"
    E_LEARNING = "e_learning"
    DISTANCE_LEARNING = "distance_learning"
    COACHING = "coaching"
    MENTORING = "mentoring"
    ON_THE_JOB = "on_the_job"
    INTERNSHIP = "internship"  # magang / praktik kerja

    @property
    def is_classical(self) -> bool:
        return self in (Form.CLASSICAL, Form.BIMTEK, Form.SEMINAR, Form.WORKSHOP)


@dataclass(frozen=True)
class CompetencyTarget:
    competency: str
    level: int


@dataclass(frozen=True)
class Programme:
    id: UUID
    code: str
    title: str
    form: Form
    agency_code: str  # the organising agency, whose HR unit manages the programme and its sessions
    provider: str
    jp: int
    competencies: tuple[CompetencyTarget, ...] = ()
    prerequisites: tuple[UUID, ...] = ()
    issues_certificate: bool = True
    certificate_validity_months: int | None = None  # None: valid without end
    follow_up_weeks: int = DEFAULT_FOLLOW_UP_WEEKS
    description: str | None = None
    active: bool = True
    version: int = 1

    def level_developed(self, competency: str) -> int | None:
        """The level this programme develops `competency` to; None if it does not develop it."""
        key = competency_key(competency)
        return next((t.level for t in self.competencies if competency_key(t.competency) == key), None)


def define_programme(programme: Programme, *, prerequisites_of: Mapping[UUID, Sequence[UUID]]) -> Programme:
    """A new programme, checked; `prerequisites_of` holds every known programme's prerequisites."""
    _raise_if_any(_problems(programme, prerequisites_of))
    return programme


def revise_programme(
    programme: Programme, changes: Mapping[str, Any], *, prerequisites_of: Mapping[UUID, Sequence[UUID]]
) -> Programme:
    """The programme with `changes`, checked and one version on; the programme itself when they change
    nothing (no new version for a change nobody made)."""
    revised = replace(programme, **changes)
    if revised == programme:
        return programme
    revised = replace(revised, version=programme.version + 1)
    _raise_if_any(_problems(revised, prerequisites_of))
    return revised


def _problems(programme: Programme, prerequisites_of: Mapping[UUID, Sequence[UUID]]) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if not 1 <= programme.jp <= MAX_JP:
        problems.append(FieldProblem(field="jp", message=f"1 to {MAX_JP} JP", value=programme.jp))
    seen: set[str] = set()
    for i, target in enumerate(programme.competencies):
        key = competency_key(target.competency)
        if not key:
            problems.append(FieldProblem(field=f"competencies.{i}.competency", message="required"))
        elif key in seen:
            problems.append(
                FieldProblem(
                    field=f"competencies.{i}.competency",
                    message="named twice",
                    value=target.competency,
                )
            )
        seen.add(key)
        if not 1 <= target.level <= 5:
            problems.append(FieldProblem(field=f"competencies.{i}.level", message="level 1 to 5"))
    if programme.certificate_validity_months is not None:
        if not programme.issues_certificate:
            problems.append(
                FieldProblem(
                    field="certificate_validity_months", message="the programme issues no certificate"
                )
            )
        elif not 1 <= programme.certificate_validity_months <= MAX_VALIDITY_MONTHS:
            problems.append(
                FieldProblem(
                    field="certificate_validity_months",
                    message=f"1 to {MAX_VALIDITY_MONTHS} months, or none for no end",
                )
            )
    if not 1 <= programme.follow_up_weeks <= 52:
        problems.append(FieldProblem(field="follow_up_weeks", message="1 to 52 weeks"))
    problems.extend(_prerequisite_problems(programme, prerequisites_of))
    return problems


def _prerequisite_problems(
    programme: Programme, prerequisites_of: Mapping[UUID, Sequence[UUID]]
) -> list[FieldProblem]:
    problems = []
    for required in programme.prerequisites:
        if required == programme.id:
            problems.append(FieldProblem(field="prerequisites", message="a programme cannot require itself"))
        elif required not in prerequisites_of:
            problems.append(
                FieldProblem(field="prerequisites", message="no such programme", value=str(required))
            )
    if len(set(programme.prerequisites)) != len(programme.prerequisites):
        problems.append(FieldProblem(field="prerequisites", message="a programme is named twice"))
    if not problems and _requires_itself(programme, prerequisites_of):
        problems.append(
            FieldProblem(
                field="prerequisites", message="the prerequisites would end up requiring this programme"
            )
        )
    return problems


def _requires_itself(programme: Programme, prerequisites_of: Mapping[UUID, Sequence[UUID]]) -> bool:
    graph = {**prerequisites_of, programme.id: programme.prerequisites}
    pending, seen = list(programme.prerequisites), set()
    while pending:
        current = pending.pop()
        if current == programme.id:
            return True
        if current not in seen:
            seen.add(current)
            pending.extend(graph.get(current, ()))
    return False


def missing_prerequisites(programme: Programme, completed: set[UUID]) -> tuple[UUID, ...]:
    return tuple(p for p in programme.prerequisites if p not in completed)


def _raise_if_any(problems: list[FieldProblem]) -> None:
    if problems:
        raise InvalidInput(f"the programme is not valid: {problems[0].message}", errors=problems)
