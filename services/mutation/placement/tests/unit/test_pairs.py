import numpy as np
import pytest

from services.mutation.placement.domain.instance import UNKNOWN
from services.mutation.placement.domain.pairs import EligibilityRules, eligible_pairs
from services.mutation.placement.tests.support import C, P, Round, U, eligible_by_brute_force
from shared.errors import InvalidInput

pytestmark = pytest.mark.unit


def pair_set(instance, rules=None) -> set[tuple[int, int]]:
    pairs = eligible_pairs(instance, rules)
    return set(zip(pairs.candidate.tolist(), pairs.position.tolist(), strict=True))


def test_each_hard_rule_removes_exactly_its_pairs():
    units = [U(8, 10, agency=0), U(8, 6, agency=0), U(8, 6, agency=1)]
    positions = [
        P(unit=1),  # 0: plain target in the same agency
        P(unit=1, family=1),  # 1: another job family
        P(unit=1, job_class=10),  # 2: two classes above the candidates' 8
        P(unit=1, min_rank=41),  # 3: needs rank IV/a
        P(unit=0),  # 4: the candidates' own unit
        P(unit=2),  # 5: another agency
        P(unit=1, seats=0),  # 6: no open seat
        P(unit=1, family=UNKNOWN, job_class=7),  # 7: open to every family, one class below
    ]
    candidates = [
        C(unit=0),
        C(unit=0, may_leave_agency=False),  # bound to the agency (e.g. 10-year bond, self-requested)
        C(unit=0, eligible=False),  # excluded by the mutation rules altogether
        C(unit=0, family=UNKNOWN),  # no family: only the family-open positions
    ]
    instance = Round(units, positions, candidates, forbidden=[(0, 7)]).instance()

    assert pair_set(instance) == {(0, 0), (0, 5), (1, 0), (1, 7), (3, 7)}


def test_the_class_window_is_a_rule_of_the_round():
    instance = Round([U(8, 10), U(8, 6)], [P(unit=1, job_class=10)], [C(unit=0)]).instance()

    assert pair_set(instance) == set()
    assert pair_set(instance, EligibilityRules(job_class_above=2)) == {(0, 0)}


def test_pairs_are_grouped_by_candidate_and_can_be_looked_up():
    rng = np.random.default_rng(3)
    units, families = rng.integers(0, 4, 70).tolist(), rng.integers(0, 3, 70).tolist()
    positions = [P(unit=u, family=f) for u, f in zip(units[:30], families[:30], strict=True)]
    candidates = [C(unit=u, family=f) for u, f in zip(units[30:], families[30:], strict=True)]
    instance = Round([U(8, 10)] * 4, positions, candidates).instance()
    pairs = eligible_pairs(instance)

    assert pair_set(instance) == eligible_by_brute_force(instance, EligibilityRules())
    assert np.all(np.diff(pairs.candidate) >= 0)
    for c in range(len(candidates)):
        block = pairs.position[pairs.offsets[c] : pairs.offsets[c + 1]]
        assert np.all(pairs.candidate[pairs.offsets[c] : pairs.offsets[c + 1]] == c)
        for p in range(len(positions)):
            row = pairs.find(c, p)
            assert (row >= 0) == (p in block)
            if row >= 0:
                assert (pairs.candidate[row], pairs.position[row]) == (c, p)
    assert pairs.find(len(candidates), 0) == -1


def test_a_round_without_vacancies_or_candidates_has_no_pairs():
    no_seats = Round([U(8, 10), U(8, 6)], [P(unit=1, seats=0)], [C(unit=0)]).instance()
    nobody = Round([U(8, 10), U(8, 6)], [P(unit=1)], []).instance()
    nothing = Round([U(8, 10)], [], []).instance()

    for instance in (no_seats, nobody, nothing):
        pairs = eligible_pairs(instance)
        assert len(pairs) == 0
        assert len(pairs.offsets) == len(instance.candidates) + 1


def test_an_instance_with_bad_references_is_refused_with_every_problem():
    instance = Round([U(8, 10)], [P(unit=3)], [C(unit=0, preferences=(9,))], forbidden=[(5, 0)]).instance()

    with pytest.raises(InvalidInput) as refused:
        instance.validate()

    fields = {problem.field for problem in refused.value.errors}
    assert fields == {"positions.unit", "candidates.preferences", "forbidden.candidate"}


def test_rows_of_different_lengths_are_refused():
    instance = Round([U(8, 10)], [P(unit=0)], [C(unit=0)]).instance()
    broken = type(instance)(
        instance.locations,
        type(instance.units)(need=[8.0, 9.0], present=[10], location=[0], agency=[0]),
        instance.positions,
        instance.candidates,
    )

    with pytest.raises(InvalidInput) as refused:
        broken.validate()

    assert {p.field for p in refused.value.errors} == {
        "units.present",
        "units.location",
        "units.agency",
    }
