from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from services.training.domain.catalogue import CompetencyTarget, Form, Programme
from services.training.domain.development import (
    Acceptance,
    Choice,
    Colleague,
    DevelopmentPlan,
    Gap,
    PlanSource,
    PlanStatus,
    SessionOption,
    Side,
    UnitNode,
    choose_mentor,
    coaching_item,
    competency_gaps,
    gap_item,
    job_person_match,
    own_sides,
    recommend,
    recommend_coaching,
    require_party,
    soonest_session,
    supervising_position,
)
from shared.errors import Conflict, Forbidden, InvalidInput

pytestmark = pytest.mark.unit

STANDARD = {"Komunikasi": 3, "Integritas": 4, "Manajemen ASN": 3, "Perekat Bangsa": 2}


def test_the_gap_is_each_competency_below_standard_biggest_first():
    assessed = {"komunikasi": 2, "Integritas": 4, "Perekat  bangsa": 3}
    assert competency_gaps(STANDARD, assessed) == [
        Gap("Manajemen ASN", 3, None),  # never assessed: the whole level is missing
        Gap("Komunikasi", 3, 2),
    ]
    assert [g.size for g in competency_gaps(STANDARD, assessed)] == [3, 1]


def test_no_gap_when_every_level_is_met_or_exceeded():
    assert (
        competency_gaps(STANDARD, {"Komunikasi": 5, "Integritas": 4, "Manajemen ASN": 3, "Perekat Bangsa": 2})
        == []
    )
    assert competency_gaps({}, {"Komunikasi": 1}) == []


def test_equal_gaps_are_ordered_by_name():
    assert [g.competency for g in competency_gaps({"Beta": 2, "alfa": 2}, {})] == ["alfa", "Beta"]


def test_job_person_match_is_met_levels_over_required_levels():
    # min(2,3) + min(4,4) + 0 + min(3,2) = 8 of 12
    assert job_person_match(STANDARD, {"Komunikasi": 2, "Integritas": 5, "Perekat Bangsa": 3}) == Decimal(
        "66.67"
    )
    assert job_person_match({}, {}) is None


def programme(code: str, competency: str, level: int, *, jp: int = 24, **fields) -> Programme:
    return Programme(
        id=fields.pop("id", uuid4()),
        code=code,
        title=f"Pelatihan {code}",
        form=fields.pop("form", Form.CLASSICAL),
        agency_code="7601",
        provider="BPSDM",
        jp=jp,
        competencies=(CompetencyTarget(competency, level),),
        **fields,
    )


def option(day: int, *, free: int = 5, waiting: int = 0) -> SessionOption:
    return SessionOption(uuid4(), date(2026, 7, day), date(2026, 7, day + 2), free, waiting)


GAP = Gap("Komunikasi", 4, 1)


def test_recommendations_put_best_fit_first():
    full = programme("FULL", "Komunikasi", 4)
    beyond = programme("BEYOND", "Komunikasi", 5)
    partial = programme("PARTIAL", "Komunikasi", 3)
    found = recommend(GAP, [partial, full, beyond], {}, set())
    # Going beyond the required level fits no better than reaching it; then fewer JP, then the code.
    assert [(r.code, r.fit) for r in found] == [
        ("BEYOND", Decimal("1.0000")),
        ("FULL", Decimal("1.0000")),
        ("PARTIAL", Decimal("0.6667")),
    ]


def test_at_equal_fit_the_soonest_session_comes_first_then_fewer_jp():
    late = programme("LATE", "Komunikasi", 4, jp=8)
    soon = programme("SOON", "Komunikasi", 4, jp=40)
    cheap = programme("CHEAP", "Komunikasi", 4, jp=16)
    unscheduled = programme("NONE", "Komunikasi", 4, jp=2)
    sessions = {late.id: [option(20)], soon.id: [option(5)], cheap.id: [option(5)]}
    found = recommend(GAP, [late, soon, cheap, unscheduled], sessions, set(), limit=4)
    assert [r.code for r in found] == ["CHEAP", "SOON", "LATE", "NONE"]
    assert found[0].starts_on == date(2026, 7, 5) and found[-1].session_id is None


def test_a_programme_whose_prerequisites_are_missing_yields_to_one_open_now():
    basic = programme("BASIC", "Komunikasi", 2)
    advanced = programme("ADV", "Komunikasi", 4, prerequisites=(basic.id,))
    other = programme("OTHER", "Komunikasi", 4)
    sessions = {advanced.id: [option(1)], other.id: [option(25)]}
    found = recommend(GAP, [advanced, other], sessions, set())
    assert [(r.code, r.prerequisites_missing) for r in found] == [("OTHER", ()), ("ADV", (basic.id,))]
    done = recommend(GAP, [advanced, other], sessions, {basic.id})
    assert [r.code for r in done] == ["ADV", "OTHER"]


def test_nothing_is_recommended_that_is_completed_inactive_elsewhere_or_no_higher():
    completed = programme("DONE", "Komunikasi", 4)
    inactive = programme("OLD", "Komunikasi", 4, active=False)
    unrelated = programme("ARSIP", "Kearsipan", 4)
    too_low = programme("LOW", "komunikasi", 1)
    assert recommend(GAP, [completed, inactive, unrelated, too_low], {}, {completed.id}) == []


def test_at_most_three_recommendations_per_gap():
    many = [programme(f"P{i}", "Komunikasi", 4, jp=10 + i) for i in range(5)]
    assert [r.code for r in recommend(GAP, many, {}, set())] == ["P0", "P1", "P2"]


def test_the_soonest_session_with_a_seat_before_any_waiting_list():
    full_early = option(3, free=0, waiting=2)
    open_later = option(10, free=1)
    no_room = option(1, free=0, waiting=0)
    assert soonest_session([open_later, full_early, no_room]) == open_later
    assert soonest_session([full_early, no_room]) == full_early
    assert soonest_session([no_room]) is None
    waitlisted = recommend(
        GAP, [programme("X", "Komunikasi", 4, id=UUID(int=1))], {UUID(int=1): [full_early]}, set()
    )
    assert waitlisted[0].waitlisted


def test_coaching_recommendations_favour_programmes_addressing_more_gaps():
    gaps = [Gap("Komunikasi", 3, 1), Gap("Integritas", 4, 3)]
    both = programme("C-BOTH", "Komunikasi", 3, form=Form.COACHING)
    both = Programme(
        **{**both.__dict__, "competencies": (*both.competencies, CompetencyTarget("Integritas", 4))}
    )
    one = programme("C-ONE", "Komunikasi", 3, form=Form.MENTORING)
    classroom = programme("CLASS", "Komunikasi", 3)
    found = recommend_coaching(gaps, [one, classroom, both], {}, set())
    assert [(r.code, r.fit) for r in found] == [("C-BOTH", Decimal("1.0000")), ("C-ONE", Decimal("0.5000"))]
    assert [r.fit for r in recommend_coaching([], [one], {}, set())] == [Decimal(1)]


def colleague(nip: str, rank: str | None, tmt: date | None = None, **levels: int) -> Colleague:
    return Colleague(nip, f"Pegawai {nip}", rank, tmt, {k.replace("_", " "): v for k, v in levels.items()})


GAPS = [Gap("Manajemen ASN", 3, None), Gap("Komunikasi", 3, 2)]
MENTEE = colleague("100", "III/a", date(2015, 1, 1))


def mentor_of(gaps: list[Gap], colleagues: list[Colleague]) -> str | None:
    mentor = choose_mentor(MENTEE, gaps, colleagues)
    return mentor.nip if mentor else None


def test_the_mentor_is_the_senior_covering_most_gaps():
    one_gap = colleague("200", "IV/b", Komunikasi=3)
    both_gaps = colleague("300", "III/c", Komunikasi=4, Manajemen_ASN=3)
    junior = colleague("400", "II/d", Komunikasi=5, Manajemen_ASN=5)
    mentor = choose_mentor(MENTEE, GAPS, [one_gap, junior, both_gaps])
    assert mentor is not None
    assert (mentor.nip, mentor.competencies) == ("300", ("Manajemen ASN", "Komunikasi"))


def test_among_equals_the_most_senior_then_the_longest_serving_mentors():
    older = colleague("500", "III/d", date(2005, 1, 1), Komunikasi=3)
    newer = colleague("600", "III/d", date(2012, 1, 1), Komunikasi=3)
    higher = colleague("700", "IV/a", date(2014, 1, 1), Komunikasi=3)
    assert mentor_of(GAPS, [newer, older]) == "500"
    assert mentor_of(GAPS, [newer, older, higher]) == "700"
    same_rank_longer_service = colleague("800", "III/a", date(2010, 1, 1), Komunikasi=3)
    assert mentor_of(GAPS, [same_rank_longer_service]) == "800"


def test_no_mentor_without_a_senior_at_the_required_level():
    below_level = colleague("200", "IV/b", Komunikasi=2)
    junior = colleague("300", "II/a", Komunikasi=5)
    itself = colleague("100", "IV/e", Komunikasi=5)
    assert choose_mentor(MENTEE, GAPS, [below_level, junior, itself]) is None
    assert mentor_of([], [below_level]) == "200"


def test_the_supervisor_is_the_head_of_the_unit_or_of_the_unit_above_for_a_head():
    units = {
        "seksi": UnitNode("seksi", "bidang", "pos-kasi"),
        "bidang": UnitNode("bidang", "dinas", None),
        "dinas": UnitNode("dinas", None, "pos-kadis"),
    }
    assert supervising_position("seksi", "pos-staff", units) == "pos-kasi"
    assert supervising_position("seksi", "pos-kasi", units) == "pos-kadis"  # the bidang has no head
    assert supervising_position("dinas", "pos-kadis", units) is None
    assert supervising_position(None, "pos-staff", units) is None
    looped = {"a": UnitNode("a", "b", None), "b": UnitNode("b", "a", None)}
    assert supervising_position("a", None, looped) is None


def plan() -> DevelopmentPlan:
    komunikasi = programme("KOM", "Komunikasi", 3)
    recommended = recommend(GAPS[1], [komunikasi], {}, set())
    return DevelopmentPlan(
        id=uuid4(),
        nip="100",
        agency_code="7601",
        unit_id="unit",
        position_id="pos",
        position_name="Analis",
        source=PlanSource.MUTATION,
        items=[gap_item(GAPS[0], []), gap_item(GAPS[1], recommended), coaching_item([])],
        job_person_match=Decimal("60.00"),
        supervisor_nip="900",
        mentor=None,
        standard_known=True,
    )


AT = datetime(2026, 12, 1, tzinfo=UTC)


def test_a_plan_is_accepted_once_both_the_employee_and_the_supervisor_have():
    proposed = plan()
    assert proposed.items[1].programme_id == proposed.items[1].recommendations[0].programme_id
    proposed.accept(Side.EMPLOYEE, Acceptance("100", AT, "100"))
    assert proposed.status is PlanStatus.PROPOSED and not proposed.is_open
    with pytest.raises(Conflict):
        proposed.accept(Side.EMPLOYEE, Acceptance("100", AT, "100"))
    proposed.accept(Side.SUPERVISOR, Acceptance("900", AT, "900"))
    assert proposed.status is PlanStatus.ACCEPTED


def test_an_adjustment_resets_both_acceptances_and_names_items_by_competency():
    adjusted = plan()
    adjusted.accept(Side.EMPLOYEE, Acceptance("100", AT, "100"))
    other = uuid4()
    adjusted.adjust(
        [
            Choice(" komunikasi ", other, None, date(2027, 3, 1), "lebih dekat"),
            Choice("Coaching", None, None, None, None),
        ],
        mentor=None,
        keep_mentor=True,
    )
    assert adjusted.employee_acceptance is None and adjusted.status is PlanStatus.PROPOSED
    assert (adjusted.items[1].programme_id, adjusted.items[1].note) == (other, "lebih dekat")
    assert adjusted.items[1].recommendations  # the recommendations stay for reference
    with pytest.raises(InvalidInput) as refused:
        adjusted.adjust([Choice("Statistik", None, None, None, None)], mentor=None, keep_mentor=True)
    assert refused.value.errors[0].field == "items.0.item"


def test_only_an_open_plan_is_recomputed_and_a_withdrawn_one_takes_no_action():
    recomputed = plan()
    assert recomputed.recompute(
        items=[],
        job_person_match=None,
        mentor=None,
        supervisor_nip="900",
        position_name=None,
        standard_known=True,
    )
    assert recomputed.items == [] and recomputed.position_name == "Analis"
    accepted = plan()
    accepted.accept(Side.SUPERVISOR, Acceptance("900", AT, "900"))
    assert not accepted.recompute(
        items=[],
        job_person_match=None,
        mentor=None,
        supervisor_nip=None,
        position_name=None,
        standard_known=True,
    )
    withdrawn = plan()
    assert withdrawn.withdraw() and withdrawn.status is PlanStatus.WITHDRAWN
    with pytest.raises(Conflict):
        withdrawn.accept(Side.EMPLOYEE, Acceptance("100", AT, "100"))


def test_who_is_which_side_and_who_works_on_a_plan():
    proposed = plan()
    assert own_sides(proposed, nip="100", is_supervisor=False) == [Side.EMPLOYEE]
    assert own_sides(proposed, nip="900", is_supervisor=True) == [Side.SUPERVISOR]
    assert own_sides(proposed, nip="900", is_supervisor=False) == []  # not in the supervisor role
    assert own_sides(proposed, nip=None, is_supervisor=False) == []
    require_party([], manages_agency=True)  # the agency's HR unit, which enters acceptances only on behalf
    with pytest.raises(Forbidden):
        require_party([], manages_agency=False)
