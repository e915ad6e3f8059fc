"""Generates the demo training catalogue from a seed number: the same seed, demand and day give the same data.

The organisers are the province's BPSDM and the BKPSDM of a few kabupaten/kota. What they offer follows the
positions of the demo province (`Demand`, which `asn seed` draws from the employee demo, so that this service
reads no other service's data):
- each managerial and socio-cultural competency of PermenPANRB 38/2017 at every level a position requires it,
  and the leadership trainings (PKP, PKA, PKN Tingkat II) that develop all of them;
- each technical competency the positions require, at every level required;
- coaching and mentoring, which a development plan after a poor appraisal recommends.
The forms are those of Peraturan LAN 10/2018, classical and non-classical. Coaching, mentoring and learning on
the job issue no certificate; a technical training's certificate stays valid for three years, the others'
without end.

Every programme has a session that has ended and one or two still to come, with free seats, around the day the
catalogue is drawn on. Everything passes the domain's own checks (`define_programme`, `define_session`); ids
come from the seeded random generator, never from `uuid4`, and the trainers' names from Faker (`id_ID`) seeded
with the same number. JP, seats and dates are demo figures.
"""

import math
import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from uuid import UUID

from faker import Faker

from services.training.domain import catalogue, sessions
from services.training.domain.catalogue import DEFAULT_FOLLOW_UP_WEEKS, CompetencyTarget, Form, Programme
from services.training.domain.sessions import Delivery, Session

REGIONAL_ORGANISERS = 4  # kabupaten/kota whose BKPSDM runs programmes of its own
TECHNICAL_CERTIFICATE_MONTHS = 36
LEADERSHIP_FOLLOW_UP_WEEKS = 12
AT_WORK = frozenset({Form.COACHING, Form.MENTORING, Form.ON_THE_JOB})  # these issue no certificate
ONLINE = frozenset({Form.E_LEARNING, Form.DISTANCE_LEARNING})


class Setting(StrEnum):
    """Where a programme's sessions are held, which its form decides."""

    CLASS = "class"
    ONLINE = "online"
    WORK = "work"  # the participant's own unit


# The JP one training day holds: a day in class, an online course beside the job, a meeting at work.
JP_PER_DAY = {Setting.CLASS: 8, Setting.ONLINE: 4, Setting.WORK: 2}
MIN_ATTENDANCE_PERCENT = {Setting.CLASS: 90, Setting.ONLINE: 80, Setting.WORK: 80}
CAPACITIES = {Setting.CLASS: (25, 30, 35, 40), Setting.ONLINE: (100, 150, 200), Setting.WORK: (6, 8, 10)}
TRAINER_TITLES = ("Widyaiswara Ahli Muda", "Widyaiswara Ahli Madya", "Widyaiswara Ahli Utama")
TRAINERS_PER_ORGANISER = 6
ONLINE_CLASSROOM = "https://belajar.asn-demo.example/kelas/{code}"


@dataclass(frozen=True)
class DemoAgency:
    """An agency of the demo province as the catalogue needs it: the town its classes meet in and the levels
    its positions require each competency at."""

    code: str
    name: str  # e.g. Pemerintah Kabupaten Poso
    kind: str  # province, kabupaten or kota
    seat: str
    required: Mapping[str, frozenset[int]]

    @property
    def region(self) -> str:
        return self.name.removeprefix("Pemerintah ")

    @property
    def provider(self) -> str:
        """Its training body: the province's BPSDM, a kabupaten's or kota's BKPSDM."""
        return f"{'BPSDM' if self.kind == 'province' else 'BKPSDM'} {self.region}"


@dataclass(frozen=True)
class Demand:
    """What the catalogue is drawn for: the province's agencies, and the national competencies by name."""

    agencies: tuple[DemoAgency, ...]
    managerial: tuple[str, ...]
    socio_cultural: tuple[str, ...]

    @property
    def national(self) -> tuple[str, ...]:
        return (*self.managerial, *self.socio_cultural)

    @property
    def province(self) -> DemoAgency:
        return next(a for a in self.agencies if a.kind == "province")

    def levels(self, competency: str) -> list[int]:
        """The levels any position of the province requires the competency at."""
        return sorted(set().union(*(a.required.get(competency, ()) for a in self.agencies)))

    def technical(self) -> list[str]:
        return sorted({c for a in self.agencies for c in a.required} - set(self.national))


@dataclass(frozen=True)
class Offer:
    """A programme developing one competency to a level: its form, title (`{}`: the competency) and the JP it
    may have."""

    form: Form
    title: str
    jp: tuple[int, ...]


# By the level developed: online courses for the first levels, class for the middle one, workshops and
# coaching for the levels of senior officials.
NATIONAL: Mapping[int, Offer] = {
    1: Offer(Form.E_LEARNING, "Kelas Daring {}: Pengenalan", (6, 8)),
    2: Offer(Form.E_LEARNING, "Kelas Daring {}: Tingkat Dasar", (8, 10, 12)),
    3: Offer(Form.CLASSICAL, "Pelatihan {} Tingkat Menengah", (24, 30, 32)),
    4: Offer(Form.WORKSHOP, "Lokakarya {} Tingkat Lanjut", (16, 20, 24)),
    5: Offer(Form.COACHING, "Coaching {} bagi Pejabat Pimpinan Tinggi", (10, 12)),
}
TECHNICAL: Mapping[int, Offer] = {
    1: Offer(Form.E_LEARNING, "Kelas Daring {}: Pengenalan", (6, 8)),
    2: Offer(Form.BIMTEK, "Bimbingan Teknis {}", (16, 20, 24)),
    3: Offer(Form.CLASSICAL, "Pelatihan Teknis {}", (40, 48, 56)),
    4: Offer(Form.CLASSICAL, "Pelatihan Teknis {} Tingkat Lanjut", (60, 72, 80)),
    5: Offer(Form.WORKSHOP, "Lokakarya Kebijakan {}", (20, 24)),
}
DISTANCE = Offer(Form.DISTANCE_LEARNING, "Pelatihan Jarak Jauh {}", (40, 48))
DISTANCE_SHARE = 0.25  # of the province's level-3 technical trainings, held at a distance instead of in class
ON_THE_JOB = Offer(Form.ON_THE_JOB, "Pembelajaran di Tempat Kerja: {}", (16, 24))
MENTORING = Offer(Form.MENTORING, "Mentoring {}", (8, 12))
MENTORING_NEW_STAFF = Offer(Form.MENTORING, "Mentoring Pegawai Baru: {}", (8, 12))
# Leadership trainings: every managerial and socio-cultural competency, each tier to a level higher.
LEADERSHIP = (
    ("PKP", "Pelatihan Kepemimpinan Pengawas", 3, 300),
    ("PKA", "Pelatihan Kepemimpinan Administrator", 4, 400),
    ("PKN-II", "Pelatihan Kepemimpinan Nasional Tingkat II", 5, 500),
)


@dataclass
class DemoCatalogue:
    province_code: str  # the organiser whose programmes show that the catalogue is seeded
    programmes: list[Programme]
    sessions: list[Session]


def generate_catalogue(demand: Demand, *, seed: int, today: date) -> DemoCatalogue:
    """The demo catalogue for the province's positions, with sessions before and after `today`."""
    return _Generator(demand, seed, today).run()


class _Generator:
    def __init__(self, demand: Demand, seed: int, today: date) -> None:
        self.demand = demand
        self.today = today
        self.rng = random.Random(f"training-{seed}")
        self.fake = Faker("id_ID")
        self.fake.seed_instance(seed)
        self.programmes: list[Programme] = []
        self.sessions: list[Session] = []
        self.prerequisites_of: dict[UUID, tuple[UUID, ...]] = {}
        self.trainers: dict[str, list[str]] = {}

    def _uuid(self) -> UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def run(self) -> DemoCatalogue:
        province = self.demand.province
        self._leadership(province)
        self._national(province)
        self._technical(province)
        self._coaching(province)
        regions = [a for a in self.demand.agencies if a.kind in ("kabupaten", "kota")]
        organisers = self.rng.sample(regions, min(REGIONAL_ORGANISERS, len(regions)))
        for agency in sorted(organisers, key=lambda a: a.code):
            self._regional(agency)
        return DemoCatalogue(province.code, self.programmes, self.sessions)

    # --- programmes ----------------------------------------------------------------------------------

    def _leadership(self, agency: DemoAgency) -> None:
        for abbreviation, title, level, jp in LEADERSHIP:
            self._add(
                agency,
                f"{agency.code}-{abbreviation}",
                title,
                Form.CLASSICAL,
                jp,
                [(name, level) for name in self.demand.national],
                description="Pelatihan kepemimpinan: seluruh kompetensi manajerial dan sosial kultural "
                f"sampai level {level}.",
                follow_up_weeks=LEADERSHIP_FOLLOW_UP_WEEKS,
                delivery=Delivery.BLENDED,
            )

    def _national(self, agency: DemoAgency) -> None:
        groups = (("MNJ", self.demand.managerial), ("SSK", self.demand.socio_cultural))
        for group, names in groups:
            for index, name in enumerate(names, start=1):
                for level in self.demand.levels(name):
                    self._offer(
                        agency, f"{agency.code}-{group}-{index:02d}-{level}", NATIONAL[level], name, level
                    )

    def _technical(self, agency: DemoAgency) -> None:
        for index, name in enumerate(self.demand.technical(), start=1):
            made: dict[int, Programme] = {}
            for level in self.demand.levels(name):
                offer = TECHNICAL[level]
                if level == 3 and self.rng.random() < DISTANCE_SHARE:
                    offer = DISTANCE
                # The advanced training builds on the level-3 one.
                prerequisites = (made[3].id,) if level == 4 and 3 in made else ()
                made[level] = self._offer(
                    agency,
                    f"{agency.code}-TEK-{index:02d}-{level}",
                    offer,
                    name,
                    level,
                    validity=TECHNICAL_CERTIFICATE_MONTHS if level >= 3 else None,
                    prerequisites=prerequisites,
                )

    def _coaching(self, agency: DemoAgency) -> None:
        first, second = self.rng.sample(self.demand.managerial, 2)
        self._add(
            agency,
            f"{agency.code}-PMB-01",
            f"Coaching Kinerja: {first} dan {second}",
            Form.COACHING,
            self.rng.choice((10, 12)),
            [(first, 3), (second, 3)],
        )
        mentored = self.rng.choice(self.demand.managerial)
        self._offer(agency, f"{agency.code}-PMB-02", MENTORING, mentored, 3)

    def _regional(self, agency: DemoAgency) -> None:
        """A kabupaten's or kota's own programmes: for two of its technical competencies, a course and
        learning on the job; a class in two national competencies; mentoring of new staff."""
        national = self.demand.national
        technical = sorted(c for c in agency.required if c not in national)
        chosen = self.rng.sample(technical, min(2, len(technical)))
        for index, name in enumerate(chosen, start=1):
            level = min(agency.required[name])
            offer = TECHNICAL[level] if index == 1 else ON_THE_JOB
            self._offer(agency, f"{agency.code}-TEK-{index:02d}", offer, name, level)
        first, second = sorted(self.rng.sample(national, 2), key=national.index)
        self._add(
            agency,
            f"{agency.code}-MNJ-01",
            f"Pelatihan {first} dan {second}",
            Form.CLASSICAL,
            self.rng.choice((24, 32)),
            [(first, 3), (second, 3)],
        )
        mentored = self.rng.choice(national)
        self._offer(agency, f"{agency.code}-PMB-01", MENTORING_NEW_STAFF, mentored, 2)

    def _offer(
        self,
        agency: DemoAgency,
        code: str,
        offer: Offer,
        competency: str,
        level: int,
        *,
        validity: int | None = None,
        prerequisites: tuple[UUID, ...] = (),
    ) -> Programme:
        return self._add(
            agency,
            code,
            offer.title.format(competency),
            offer.form,
            self.rng.choice(offer.jp),
            [(competency, level)],
            validity=validity,
            prerequisites=prerequisites,
        )

    def _add(
        self,
        agency: DemoAgency,
        code: str,
        title: str,
        form: Form,
        jp: int,
        targets: Sequence[tuple[str, int]],
        *,
        description: str | None = None,
        validity: int | None = None,
        prerequisites: tuple[UUID, ...] = (),
        follow_up_weeks: int = DEFAULT_FOLLOW_UP_WEEKS,
        delivery: Delivery | None = None,
    ) -> Programme:
        issues_certificate = form not in AT_WORK
        names = [name for name, _ in targets]
        highest = max(level for _, level in targets)
        programme = catalogue.define_programme(
            Programme(
                id=self._uuid(),
                code=code,
                title=title,
                form=form,
                agency_code=agency.code,
                provider=agency.provider,
                jp=jp,
                competencies=tuple(CompetencyTarget(name, level) for name, level in targets),
                prerequisites=prerequisites,
                issues_certificate=issues_certificate,
                certificate_validity_months=validity if issues_certificate else None,
                follow_up_weeks=follow_up_weeks,
                description=description
                or f"Mengembangkan kompetensi {_listed(names)} sampai level {highest}.",
            ),
            prerequisites_of=self.prerequisites_of,
        )
        self.prerequisites_of[programme.id] = programme.prerequisites
        self.programmes.append(programme)
        self._schedule(agency, programme, delivery)
        return programme

    # --- sessions ------------------------------------------------------------------------------------

    def _schedule(self, agency: DemoAgency, programme: Programme, delivery: Delivery | None) -> None:
        """One session that has ended before today and one or two to come, each from a Monday."""
        setting = _setting(programme.form)
        days = max(1, math.ceil(programme.jp / JP_PER_DAY[setting]))
        past = _monday_from(self.today - timedelta(days=self.rng.randint(28, 240)))
        while _last_day(past, days) >= self.today:
            past -= timedelta(weeks=1)
        upcoming = _monday_from(self.today + timedelta(days=self.rng.randint(7, 60)))
        starts = [past, upcoming]
        if self.rng.random() < 0.5:
            starts.append(upcoming + timedelta(weeks=self.rng.randint(8, 20)))
        if delivery is None:
            delivery = Delivery.ONLINE if setting is Setting.ONLINE else Delivery.IN_PERSON
        place = (
            "Unit kerja peserta" if setting is Setting.WORK else f"Kampus {agency.provider}, {agency.seat}"
        )
        in_person = delivery in (Delivery.IN_PERSON, Delivery.BLENDED)
        online = delivery in (Delivery.ONLINE, Delivery.BLENDED)
        pool = self._trainers(agency)
        for first_day in starts:
            capacity = self.rng.choice(CAPACITIES[setting])
            self.sessions.append(
                sessions.define_session(
                    Session(
                        id=self._uuid(),
                        programme_id=programme.id,
                        starts_on=first_day,
                        ends_on=_last_day(first_day, days),
                        delivery=delivery,
                        place=place if in_person else None,
                        online_url=ONLINE_CLASSROOM.format(code=programme.code.lower()) if online else None,
                        capacity=capacity,
                        waiting_list_capacity=capacity // 5,
                        trainers=tuple(self.rng.sample(pool, self.rng.randint(1, 3))),
                        min_attendance_percent=MIN_ATTENDANCE_PERCENT[setting],
                    )
                )
            )

    def _trainers(self, agency: DemoAgency) -> list[str]:
        if agency.code not in self.trainers:
            self.trainers[agency.code] = [
                f"{self._name()}, {self.rng.choice(TRAINER_TITLES)}" for _ in range(TRAINERS_PER_ORGANISER)
            ]
        return self.trainers[agency.code]

    def _name(self) -> str:
        fake = self.fake
        if self.rng.random() < 0.5:
            return f"{fake.first_name_male()} {fake.last_name_male()}"
        return f"{fake.first_name_female()} {fake.last_name_female()}"


def _setting(form: Form) -> Setting:
    if form in ONLINE:
        return Setting.ONLINE
    return Setting.WORK if form in AT_WORK else Setting.CLASS


def _monday_from(day: date) -> date:
    """The day itself if a Monday, else the Monday after."""
    return day + timedelta(days=-day.weekday() % 7)


def _last_day(first: date, working_days: int) -> date:
    """The day the `working_days`-th working day (Monday to Friday) from `first` falls on."""
    day, left = first, working_days - 1
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def _listed(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} dan {names[-1]}"
