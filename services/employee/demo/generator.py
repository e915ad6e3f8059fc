"""Generates the demo province from a seed number: the same seed, size and date give identical data.

Everything goes through the domain's own constructors (`define_agency`, `define_unit`, `define_position`,
`model.register`), so the demo keeps every rule an import or the API keeps. Ids come from the seeded random
generator, never from `uuid4`, and names from Faker (`id_ID`) seeded with the same number.

Careers are built forward from a birth date: entry at an age and rank fitting the education (SMA II/a, D3
II/c, S1 III/a, S2 III/b), a regular promotion every four years (structural officials: three) on the April
or October promotion dates, capped by the position. Each unit gets a staffing profile: most are balanced,
some clearly over-staffed (little work for their people) and some clearly under-staffed (far more work).
"""

import random
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID

from faker import Faker

from services.employee.demo import province as data
from services.employee.demo.province import Division, Job, Office, Region
from services.employee.domain import competencies, model, organisation
from services.employee.domain.model import (
    Assessment,
    DisciplinaryStatus,
    Education,
    EducationLevel,
    Employee,
    EmployeeStatus,
    EmploymentType,
    Placement,
    Rank,
)
from services.employee.domain.nip import parse_nip
from services.employee.domain.organisation import Agency, AgencyKind, Position, PositionType, Unit, UnitKind
from services.employee.domain.ranks import RANKS
from services.employee.domain.workload import (
    EFFECTIVE_HOURS,
    MINUTES_PER_HOUR,
    Task,
    position_workload,
    workload_minutes,
)

DEFAULT_EMPLOYEES = 5_000
MAX_EMPLOYEES = 100_000
DEFAULT_SEED = 2026

# Entry rank (index into RANKS) and age range at appointment by education.
_ENTRY = {
    EducationLevel.SMA: (4, 19, 27),
    EducationLevel.D3: (6, 22, 30),
    EducationLevel.S1: (8, 23, 32),
    EducationLevel.S2: (9, 26, 35),
}
_RANK_INDEX = {rank.code: index for index, rank in enumerate(RANKS)}
PROMOTION_YEARS = 4
STRUCTURAL_PROMOTION_YEARS = 3
PPPK_SHARE = 0.12
ASSESSED_SHARE = 0.75
_STATUSES = (
    (EmployeeStatus.LEAVE, 0.015),
    (EmployeeStatus.STUDY_LEAVE, 0.005),
    (EmployeeStatus.SUSPENDED, 0.005),
)


class Profile:
    """How a unit's workload compares to its staff: the efficiency (EJ) its positions are given."""

    BALANCED = (0.8, 1.08)
    OVER_STAFFED = (0.22, 0.45)
    UNDER_STAFFED = (1.7, 2.8)


@dataclass
class DemoEmployee:
    """An employee as registered, with the rank and placement histories (oldest first; the last entry of
    each is the current one) and the NIP of the direct supervisor (None for the regional secretary)."""

    employee: Employee
    ranks: list[Rank]
    placements: list[Placement]
    supervisor_nip: str | None = None


@dataclass
class DemoProvince:
    seed: int
    as_of: date
    agencies: list[Agency]
    units: list[Unit]  # every parent before its children
    positions: list[Position]
    heads: dict[UUID, UUID]  # unit -> its head position
    tasks: dict[UUID, list[Task]]
    employees: list[DemoEmployee]
    over_staffed: list[UUID] = field(default_factory=list)
    under_staffed: list[UUID] = field(default_factory=list)

    @property
    def province_code(self) -> str:
        return data.PROVINCE.code

    def summary(self) -> dict[str, Any]:
        """What demo users are made from: agencies and a sample employee with a supervisor, both active."""
        by_nip = {str(d.employee.nip): d for d in self.employees}
        province_units = {u.id for u in self.units if u.agency_code == self.province_code}
        sample = next(
            (
                d
                for d in sorted(self.employees, key=lambda d: str(d.employee.nip))
                if d.employee.placement.agency_code == self.province_code
                and d.employee.status is EmployeeStatus.ACTIVE
                and d.employee.employment_type is EmploymentType.PNS
                and d.employee.placement.unit_id is not None
                and UUID(d.employee.placement.unit_id) in province_units
                and d.supervisor_nip is not None
                and by_nip[d.supervisor_nip].employee.status is EmployeeStatus.ACTIVE
                and by_nip[d.supervisor_nip].supervisor_nip is not None
            ),
            None,
        )
        secretary = next(
            (
                d
                for d in self.employees
                if d.employee.placement.agency_code == self.province_code and d.supervisor_nip is None
            ),
            None,
        )
        return {
            "seed": self.seed,
            "employees": len(self.employees),
            "province_agency_code": self.province_code,
            "kabupaten_agency_code": next(a.code for a in self.agencies if a.kind is AgencyKind.KABUPATEN),
            "kota_agency_code": next(a.code for a in self.agencies if a.kind is AgencyKind.KOTA),
            "employee_nip": str(sample.employee.nip) if sample else None,
            "employee_name": sample.employee.display_name if sample else None,
            "supervisor_nip": sample.supervisor_nip if sample else None,
            "approver_nip": str(secretary.employee.nip) if secretary else None,
        }


def generate(*, seed: int = DEFAULT_SEED, employees: int = DEFAULT_EMPLOYEES, as_of: date) -> DemoProvince:
    """The demo province with `employees` people, as it stands on `as_of`."""
    if not 1 <= employees <= MAX_EMPLOYEES:
        raise ValueError(f"the demo has 1 to {MAX_EMPLOYEES:,} employees, not {employees}")
    return _Generator(seed, as_of).run(employees)


@dataclass
class _Slot:
    """A position while the province is drawn: where it is, what it is, and who holds it."""

    id: UUID
    unit: Unit
    name: str
    type: PositionType
    job_class: int
    education: EducationLevel
    family: str
    share: float
    technical: str
    is_head: bool = False
    holders: list[DemoEmployee] = field(default_factory=list)


class _Generator:
    def __init__(self, seed: int, as_of: date) -> None:
        self.seed = seed
        self.as_of = as_of
        self.rng = random.Random(seed)
        self.fake = Faker("id_ID")
        self.fake.seed_instance(seed)
        self.sequences: Counter[str] = Counter()
        self.capitals = [data.PROVINCE.capital, *(r.capital for r in data.REGIONS)]
        self.agency_staff: dict[str, list[_Slot]] = {}

    def _uuid(self) -> UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def run(self, size: int) -> DemoProvince:
        province = organisation.define_agency(
            code=data.PROVINCE.code,
            name=data.PROVINCE.agency_name,
            kind=AgencyKind.PROVINCE,
            province_code=None,
            province=None,
        )
        agencies = [province] + [
            organisation.define_agency(
                code=region.code,
                name=region.agency_name,
                kind=region.kind,
                province_code=province.code,
                province=province,
            )
            for region in data.REGIONS
        ]
        units: list[Unit] = []
        slots: list[_Slot] = []
        regions = (data.PROVINCE, *data.REGIONS)
        for region, agency in zip(regions, agencies, strict=True):
            for office in data.OFFICES:
                if region.kind in office.regions:
                    self._office(region, agency, office, units, slots)
        self._staff(slots, regions, size)
        people = [holder for slot in slots for holder in slot.holders]
        self._supervisors(units, slots)
        profiles = self._profiles(units, slots)
        tasks, positions = self._positions(slots, profiles)
        return DemoProvince(
            seed=self.seed,
            as_of=self.as_of,
            agencies=agencies,
            units=units,
            positions=positions,
            heads={slot.unit.id: slot.id for slot in slots if slot.is_head},
            tasks=tasks,
            employees=people,
            over_staffed=[u for u, p in profiles.items() if p is Profile.OVER_STAFFED],
            under_staffed=[u for u, p in profiles.items() if p is Profile.UNDER_STAFFED],
        )

    # --- organisation --------------------------------------------------------------------------------

    def _unit(
        self, agency: Agency, parent: Unit | None, name: str, kind: UnitKind, location: str, units: list[Unit]
    ) -> Unit:
        unit = organisation.define_unit(
            agency=agency,
            agency_code=agency.code,
            parent_id=parent.id if parent else None,
            name=name,
            kind=kind,
            location=location,
            parent=parent,
        )
        unit = replace(unit, id=self._uuid())
        units.append(unit)
        return unit

    def _office(
        self, region: Region, agency: Agency, office: Office, units: list[Unit], slots: list[_Slot]
    ) -> None:
        is_province = region.kind is AgencyKind.PROVINCE
        name = office.name
        head = office.head
        if is_province and office.technical == "Manajemen ASN":
            name, head = "Badan Kepegawaian Daerah", "Kepala Badan Kepegawaian Daerah"
        top = self._unit(agency, None, name, office.kind, region.capital, units)
        job_class = data.HEAD_JOB_CLASS[PositionType.JPT]
        if office.kind is UnitKind.SEKRETARIAT:
            job_class = data.PROVINCE_SECRETARY_JOB_CLASS if is_province else data.REGION_SECRETARY_JOB_CLASS
        slots.append(
            _Slot(
                self._uuid(), top, head, PositionType.JPT, job_class, EducationLevel.S1, "pimpinan", 0,
                office.technical, is_head=True,
            )
        )  # fmt: skip
        for division in office.divisions:
            self._division(region, agency, office, top, division, units, slots)

    def _division(
        self,
        region: Region,
        agency: Agency,
        office: Office,
        parent: Unit,
        division: Division,
        units: list[Unit],
        slots: list[_Slot],
    ) -> None:
        name = self._division_name(region, office, division)
        unit = self._unit(agency, parent, name, division.kind, region.capital, units)
        if division.kind is UnitKind.SEKRETARIAT:
            title = "Sekretaris" + name.removeprefix("Sekretariat")
        elif name.startswith("Inspektur"):
            title = name
        else:
            title = f"Kepala {name}"
        slots.append(
            _Slot(
                self._uuid(), unit, title, division.head_type, data.HEAD_JOB_CLASS[division.head_type],
                EducationLevel.S1, "pimpinan", 0, office.technical, is_head=True,
            )
        )  # fmt: skip
        for job in division.jobs:
            slots.append(self._job_slot(unit, job, office))
        for child in division.children:
            self._division(region, agency, office, unit, child, units, slots)

    def _division_name(self, region: Region, office: Office, division: Division) -> str:
        short = office.name if office.kind is not UnitKind.SEKRETARIAT else "Daerah"
        if region.kind is AgencyKind.PROVINCE and office.technical == "Manajemen ASN":
            short = "Badan Kepegawaian Daerah"
        if division.kind is UnitKind.SEKRETARIAT:
            return f"Sekretariat {short}"
        if division.kind is UnitKind.SUBBAGIAN:
            return f"{division.name} {short}"
        if division.kind is UnitKind.UPT:
            if office.technical == "Manajemen Pendidikan":
                school = "SMA" if region.kind is AgencyKind.PROVINCE else "SMP"
                return f"UPT {school} Negeri 1 {region.capital}"
            if region.kind is AgencyKind.PROVINCE:
                return "UPT Laboratorium Kesehatan Daerah"
            return f"UPT Puskesmas {region.capital}"
        return division.name

    def _job_slot(self, unit: Unit, job: Job, office: Office) -> _Slot:
        return _Slot(
            self._uuid(), unit, job.name, job.type, job.job_class, job.education, job.tasks, job.share,
            office.technical,
        )  # fmt: skip

    # --- people --------------------------------------------------------------------------------------

    def _staff(self, slots: list[_Slot], regions: tuple[Region, ...], size: int) -> None:
        """One holder per head position (office heads first), the rest shared by the agencies' weights and
        the positions' shares, with some noise so that no two units look alike."""
        heads = sorted(
            (s for s in slots if s.is_head),
            key=lambda s: (s.type is not PositionType.JPT, s.type is not PositionType.ADMINISTRATOR),
        )
        for slot in heads[:size]:
            slot.holders.append(self._person(slot))
        remaining = size - min(size, len(heads))
        if remaining == 0:
            return
        weights = {r.code: r.share for r in regions}
        staff = [s for s in slots if not s.is_head]
        for slot in staff:
            self.agency_staff.setdefault(slot.unit.agency_code, []).append(slot)
        shares = [weights[s.unit.agency_code] * s.share * self.rng.uniform(0.4, 1.6) for s in staff]
        counts = _apportion(remaining, shares)
        for slot, count in zip(staff, counts, strict=True):
            for _ in range(count):
                slot.holders.append(self._person(slot))

    def _person(self, slot: _Slot) -> DemoEmployee:
        rng = self.rng
        as_of = self.as_of
        pppk = not slot.is_head and rng.random() < PPPK_SHARE
        education = slot.education
        low, high, cap, step_years = _career_shape(slot)
        for _attempt in range(6):
            age_days = rng.randint(low * 365, high * 365 + 364)
            birth = as_of - timedelta(days=age_days)
            age = age_days / 365.25
            entry_rank, entry_low, entry_high = _ENTRY[education]
            # PPPK were first appointed under the 2021 rules, from the age of 20 here.
            first_year = max(2021, birth.year + 21)
            pppk = pppk and first_year < as_of.year
            if pppk:
                tmt_cpns = date(rng.randint(first_year, as_of.year - 1), rng.choice((1, 3, 7)), 1)
            else:
                entry_age = rng.uniform(entry_low, max(entry_low, min(entry_high, age - 0.6)))
                start = birth + timedelta(days=int(entry_age * 365.25))
                tmt_cpns = date(start.year, start.month, 1)
            if tmt_cpns <= date(birth.year, birth.month, 1) or tmt_cpns > as_of:
                continue
            ranks = [] if pppk else self._ranks(entry_rank, tmt_cpns, cap, step_years)
            minimum = _RANK_INDEX.get(data.MINIMUM_RANK.get(slot.type, ""), 0)
            if slot.is_head and _RANK_INDEX[ranks[-1].code] < minimum and _attempt < 5:
                low = min(low + 3, high)
                continue
            break
        gender = "M" if rng.random() < 0.5 else "F"
        prefix = f"{birth:%Y%m%d}{tmt_cpns:%Y%m}{1 if gender == 'M' else 2}"
        self.sequences[prefix] += 1
        nip = parse_nip(f"{prefix}{self.sequences[prefix]:03d}")
        name = self._name(gender)
        employment = EmploymentType.PPPK if pppk else EmploymentType.PNS
        tmt_pns = None
        if not pppk:
            pns = date(tmt_cpns.year + 1, tmt_cpns.month, 1)
            if pns <= as_of:
                tmt_pns = pns
            else:
                employment = EmploymentType.CPNS
        degrees = self._education(
            birth, tmt_cpns, education, slot, master=slot.is_head and rng.random() < 0.7
        )
        front, back = self._titles(degrees, birth)
        placements = self._placements(slot, tmt_cpns)
        status = EmployeeStatus.ACTIVE
        discipline = DisciplinaryStatus.NONE
        if not slot.is_head and employment is not EmploymentType.CPNS:
            draw = rng.random()
            for candidate, share in _STATUSES:
                if draw < share:
                    status = candidate
                    break
                draw -= share
            draw = rng.random()
            if draw < 0.005:
                discipline = DisciplinaryStatus.SANCTIONED
            elif draw < 0.015:
                discipline = DisciplinaryStatus.UNDER_PROCESS
        employee = model.register(
            nip=nip,
            name=name,
            birth_date=birth,
            gender=gender,
            placement=placements[-1],
            employment_type=employment,
            nik=self._nik(birth, gender),
            tmt_cpns=tmt_cpns,
            front_title=front,
            back_title=back,
            birth_place=self._birth_place(),
            tmt_pns=tmt_pns,
            work_location=slot.unit.location,
            status=status,
            disciplinary_status=discipline,
        )
        employee.rank = ranks[-1] if ranks else None
        employee.education = degrees
        if rng.random() < ASSESSED_SHARE:
            employee.competencies = self._assessed(slot)
        return DemoEmployee(employee, ranks, placements)

    def _ranks(self, entry: int, tmt_cpns: date, cap: int, step_years: int) -> list[Rank]:
        ranks = [Rank(RANKS[entry].code, tmt_cpns)]
        index, since = entry, tmt_cpns
        while index < cap:
            years = step_years + (1 if self.rng.random() < 0.25 else 0)
            due = date(since.year + years, since.month, 1)
            # Promotions take effect on 1 April or 1 October.
            promoted = date(due.year, 4, 1) if due.month <= 4 else date(due.year, 10, 1)
            if due.month > 10:
                promoted = date(due.year + 1, 4, 1)
            if promoted > self.as_of:
                break
            index += 1
            ranks.append(Rank(RANKS[index].code, promoted))
            since = promoted
        return ranks

    def _placements(self, slot: _Slot, tmt_cpns: date) -> list[Placement]:
        """The current posting, and for longer careers one or two earlier ones in the same agency."""
        rng = self.rng
        agency = slot.unit.agency_code
        others = self.agency_staff.get(agency) or [slot]

        def elsewhere(tmt: date) -> Placement:
            other = rng.choice(others)
            return Placement(agency, str(other.unit.id), str(other.id), tmt)

        current = Placement(agency, str(slot.unit.id), str(slot.id), tmt_cpns)
        service_days = (self.as_of - tmt_cpns).days
        if service_days < 2 * 365:
            return [current]
        since = self.as_of - timedelta(days=rng.randint(60, min(service_days - 1, 7 * 365)))
        current = replace(current, tmt=since)
        earlier = [elsewhere(tmt_cpns)]
        if service_days > 8 * 365 and rng.random() < 0.6:
            middle = tmt_cpns + timedelta(days=rng.randint(365, max(366, (since - tmt_cpns).days - 365)))
            earlier.append(elsewhere(date(middle.year, middle.month, 1)))
        return [*earlier, current]

    def _name(self, gender: str) -> str:
        fake = self.fake
        if gender == "M":
            return f"{fake.first_name_male()} {fake.last_name_male()}"
        return f"{fake.first_name_female()} {fake.last_name_female()}"

    def _birth_place(self) -> str:
        if self.rng.random() < 0.75:
            return self.rng.choice(self.capitals)
        return str(self.fake.city())

    def _nik(self, birth: date, gender: str) -> str:
        """NIK: region of registration, birth day (+40 for women), month, year, and a sequence."""
        region = self.rng.choice((data.PROVINCE.code[:2] + "71", *(r.code for r in data.REGIONS)))
        day = birth.day + (40 if gender == "F" else 0)
        district = self.rng.randint(1, 15)
        return f"{region}{district:02d}{day:02d}{birth:%m%y}{self.rng.randint(1, 9999):04d}"

    def _education(
        self, birth: date, tmt_cpns: date, level: EducationLevel, slot: _Slot, *, master: bool
    ) -> list[Education]:
        rng = self.rng
        school_year = birth.year + 18
        history = [
            Education(
                EducationLevel.SMA,
                f"SMA Negeri {rng.randint(1, 9)} {rng.choice(self.capitals)}",
                rng.choice(("IPA", "IPS")),
                school_year,
            )
        ]
        majors = data.MAJORS.get(slot.family, data.GENERAL_MAJORS)
        major = rng.choice(majors)
        if level in (EducationLevel.D3, EducationLevel.S1, EducationLevel.S2):
            years = 3 if level is EducationLevel.D3 else 4
            graduated = min(school_year + years + rng.randint(0, 2), tmt_cpns.year)
            institution = rng.choice(data.POLYTECHNICS if level is EducationLevel.D3 else data.UNIVERSITIES)
            first = EducationLevel.D3 if level is EducationLevel.D3 else EducationLevel.S1
            history.append(Education(first, institution, major, max(graduated, school_year + 1)))
        if level is EducationLevel.S2 or master:
            year = min(self.as_of.year, history[-1].graduation_year + rng.randint(2, 12))
            history.append(
                Education(
                    EducationLevel.S2, rng.choice(data.UNIVERSITIES), rng.choice(data.GENERAL_MAJORS), year
                )
            )
        return history

    def _titles(self, degrees: list[Education], birth: date) -> tuple[str | None, str | None]:
        highest = degrees[-1]
        first = degrees[1] if len(degrees) > 1 else None
        front = None
        titles: list[str] = []
        if first is not None and first.level is EducationLevel.D3:
            titles.append(data.DIPLOMA_TITLES.get(first.major or "", "A.Md."))
        elif first is not None:
            if first.major == "Pendidikan Dokter":
                front = "dr."
            else:
                title = self.rng.choice(data.DEGREE_TITLES.get(first.major or "", ("S.Sos.",)))
                if birth.year < 1968 and title in ("S.Sos.", "S.E."):
                    front = "Drs."
                else:
                    titles.append(title)
        if highest.level is EducationLevel.S2:
            titles.append(self.rng.choice(data.MASTER_TITLES))
        return front, ", ".join(titles) or None

    def _assessed(self, slot: _Slot) -> dict[str, Assessment]:
        rng = self.rng
        assessed_on = self.as_of - timedelta(days=rng.randint(30, 1_000))
        source = f"Asesmen kompetensi {assessed_on.year}"
        levels = {}
        for name, required in _standard(slot).items():
            level = min(5, max(1, required + rng.choice((-2, -1, -1, 0, 0, 0, 0, 1))))
            levels[name] = Assessment(name, level, assessed_on, source)
        return levels

    def _supervisors(self, units: list[Unit], slots: list[_Slot]) -> None:
        """Each employee's supervisor is the head of their unit (for a head: of the unit above; for the
        head of an office: the regional secretary), the nearest one holding the post."""
        head_of = {s.unit.id: s.holders[0] for s in slots if s.is_head and s.holders}
        parent = {u.id: u.parent_id for u in units}
        secretary = {
            s.unit.agency_code: s.holders[0]
            for s in slots
            if s.is_head and s.holders and s.unit.kind is UnitKind.SEKRETARIAT and s.unit.parent_id is None
        }
        for slot in slots:
            for holder in slot.holders:
                unit_id: UUID | None = slot.unit.parent_id if slot.is_head else slot.unit.id
                supervisor = None
                while unit_id is not None and supervisor is None:
                    supervisor = head_of.get(unit_id)
                    unit_id = parent[unit_id]
                if supervisor is None:
                    supervisor = secretary.get(slot.unit.agency_code)
                if supervisor is not None and supervisor is not holder:
                    holder.supervisor_nip = str(supervisor.employee.nip)

    # --- workload ------------------------------------------------------------------------------------

    def _profiles(self, units: list[Unit], slots: list[_Slot]) -> dict[UUID, tuple[float, float]]:
        """A staffing profile per unit with staff of its own; at least one unit of each kind."""
        staffed = sorted({s.unit.id for s in slots if not s.is_head and len(s.holders) >= 2})
        profiles: dict[UUID, tuple[float, float]] = {}
        for unit in units:
            draw = self.rng.random()
            if unit.id in staffed and draw < 0.12:
                profiles[unit.id] = Profile.OVER_STAFFED
            elif draw > 0.88:
                profiles[unit.id] = Profile.UNDER_STAFFED
            else:
                profiles[unit.id] = Profile.BALANCED
        if staffed and Profile.OVER_STAFFED not in profiles.values():
            profiles[staffed[0]] = Profile.OVER_STAFFED
        if Profile.UNDER_STAFFED not in profiles.values():
            profiles[units[-1].id] = Profile.UNDER_STAFFED
        return profiles

    def _positions(
        self, slots: list[_Slot], profiles: dict[UUID, tuple[float, float]]
    ) -> tuple[dict[UUID, list[Task]], list[Position]]:
        tasks: dict[UUID, list[Task]] = {}
        positions = []
        for slot in slots:
            low, high = profiles[slot.unit.id]
            if slot.is_head:
                low, high = Profile.BALANCED
            present = sum(1 for h in slot.holders if h.employee.status is EmployeeStatus.ACTIVE)
            persons = present if present else self.rng.uniform(0.6, 1.4)
            minutes = Fraction(persons * self.rng.uniform(low, high)) * EFFECTIVE_HOURS * MINUTES_PER_HOUR
            tasks[slot.id] = self._tasks(slot.family, minutes)
            needed = position_workload(workload_minutes(tasks[slot.id]), present).staff_needed
            position = organisation.define_position(
                unit=slot.unit,
                unit_id=slot.unit.id,
                name=slot.name,
                type=slot.type,
                job_class=slot.job_class,
                authorised_headcount=1 if slot.is_head else max(1, needed),
                competency_standard=_standard(slot),
                minimum_rank=data.MINIMUM_RANK.get(slot.type),
                minimum_education=slot.education if slot.education is not EducationLevel.SMA else None,
                retirement_age=None,
            )
            positions.append(replace(position, id=slot.id))
        return tasks, positions

    def _tasks(self, family: str, minutes: Fraction) -> list[Task]:
        rng = self.rng
        templates = data.TASKS[family]
        chosen = rng.sample(templates, min(len(templates), rng.randint(2, 4)))
        weights = [rng.uniform(0.5, 1.5) for _ in chosen]
        total = sum(weights)
        tasks = []
        for (name, output, norm), weight in zip(chosen, weights, strict=True):
            time_norm = max(1, round(norm * rng.uniform(0.85, 1.15)))
            volume = max(1, round(float(minutes) * weight / total / time_norm))
            tasks.append(Task(name, Decimal(volume), output, Decimal(time_norm)))
        return tasks


def _career_shape(slot: _Slot) -> tuple[int, int, int, int]:
    """Age range, highest rank (index into RANKS) and years between promotions of a position's holders."""
    name = slot.name
    structural = {
        PositionType.JPT: (47, 57, _RANK_INDEX["IV/d"]),
        PositionType.ADMINISTRATOR: (40, 56, _RANK_INDEX["IV/b"]),
        PositionType.PENGAWAS: (34, 55, _RANK_INDEX["III/d"]),
    }
    if slot.type in structural:
        low, high, cap = structural[slot.type]
        if slot.job_class == data.PROVINCE_SECRETARY_JOB_CLASS:
            cap = _RANK_INDEX["IV/e"]
        return low, high, cap, STRUCTURAL_PROMOTION_YEARS
    if "Ahli Madya" in name:
        return 42, 57, _RANK_INDEX["IV/c"], PROMOTION_YEARS
    if "Ahli Muda" in name:
        return 32, 55, _RANK_INDEX["III/d"], PROMOTION_YEARS
    if "Ahli Pertama" in name:
        return 24, 48, _RANK_INDEX["III/b"], PROMOTION_YEARS
    if "Terampil" in name:
        return 23, 52, _RANK_INDEX["II/d"], PROMOTION_YEARS
    ceiling = {EducationLevel.SMA: "III/b", EducationLevel.D3: "III/c"}.get(slot.education, "III/d")
    return 21, 57, _RANK_INDEX[ceiling], PROMOTION_YEARS


def _standard(slot: _Slot) -> dict[str, int]:
    level = data.COMPETENCY_LEVELS[slot.type]
    if slot.type is PositionType.JPT and slot.job_class >= data.PROVINCE_SECRETARY_JOB_CLASS:
        level = 5
    standard = dict.fromkeys((*competencies.MANAGERIAL, *competencies.SOCIO_CULTURAL), level)
    standard[slot.technical] = min(5, level + (1 if slot.type is PositionType.FUNGSIONAL else 0))
    return standard


def _apportion(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights` by largest remainders: whole numbers summing to `total`."""
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    counts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (counts[i] - exact[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def holders_by_position(province: DemoProvince) -> Iterator[tuple[UUID, int]]:
    """Active holders per position, as the ABK counts them (bezetting)."""
    counts = Counter(
        d.employee.placement.position_id
        for d in province.employees
        if d.employee.status is EmployeeStatus.ACTIVE
    )
    for position in province.positions:
        yield position.id, counts[str(position.id)]
