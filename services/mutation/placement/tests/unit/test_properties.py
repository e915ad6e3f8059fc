"""On random rounds, the plan is the optimum an independent LP solve (HiGHS) finds for the same model, and
every hard constraint holds."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.mutation.placement.domain.engine import (
    Edits,
    LocksInfeasible,
    PlacementModel,
    Plan,
    build_model,
    solve,
)
from services.mutation.placement.domain.explain import explain, move_explanations
from services.mutation.placement.domain.instance import PlacementInstance
from services.mutation.placement.domain.network import build_graph
from services.mutation.placement.domain.pairs import EligibilityRules
from services.mutation.placement.domain.scoring import COMPONENTS, Weights
from services.mutation.placement.tests.support import (
    C,
    P,
    Round,
    U,
    eligible_by_brute_force,
    lp_optimum,
    release_caps_by_hand,
)

pytestmark = pytest.mark.unit

limits = st.one_of(st.just(-1), st.integers(0, 3))


@st.composite
def rounds(draw: st.DrawFn) -> Round:
    n_units = draw(st.integers(1, 4))
    units = [
        U(
            need=draw(st.integers(0, 24)) / 2,
            present=draw(st.integers(0, 12)),
            location=draw(st.integers(0, 2)),
            agency=draw(st.integers(0, 1)),
            release_limit=draw(limits),
            intake_limit=draw(limits),
        )
        for _ in range(n_units)
    ]
    unit = st.integers(0, n_units - 1)
    level = st.integers(0, 5)
    positions = [
        P(
            unit=draw(unit),
            seats=draw(st.integers(0, 2)),
            family=draw(st.integers(-1, 1)),
            job_class=draw(st.integers(7, 9)),
            min_rank=draw(st.sampled_from([22, 31, 33])),
            standard=(draw(level), draw(level)),
        )
        for _ in range(draw(st.integers(0, 6)))
    ]
    candidates = [
        C(
            unit=draw(unit),
            competency=(draw(level), draw(level)),
            family=draw(st.integers(-1, 1)),
            job_class=draw(st.integers(7, 9)),
            rank=draw(st.sampled_from([22, 24, 31, 32, 34, 41])),
            predicates=(draw(st.integers(-1, 4)), draw(st.integers(-1, 4))),
            nine_box=draw(st.integers(0, 9)),
            preferences=tuple(draw(st.lists(st.integers(0, 2), max_size=2))),
            gender=draw(st.integers(1, 2)),
            age=draw(st.integers(22, 58)),
            may_leave_agency=draw(st.booleans()),
            eligible=draw(st.integers(0, 9)) > 0,
        )
        for _ in range(draw(st.integers(0, 8)))
    ]
    forbidden = draw(
        st.lists(
            st.tuples(st.integers(0, len(candidates) - 1), st.integers(0, len(positions) - 1)), max_size=3
        )
        if candidates and positions
        else st.just([])
    )
    return Round(units, positions, candidates, forbidden=forbidden)


weights = st.builds(Weights, **{name: st.integers(0, 60).map(float) for name in COMPONENTS})


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(round_=rounds(), weights=weights, data=st.data())
def test_the_plan_is_the_lp_optimum_and_keeps_every_hard_constraint(round_, weights, data):
    instance = round_.instance()
    rules = EligibilityRules()
    model = build_model(instance, rules)
    eligible = sorted(zip(model.pairs.candidate.tolist(), model.pairs.position.tolist(), strict=True))
    assert set(eligible) == eligible_by_brute_force(instance, rules)

    chosen = data.draw(
        st.lists(st.sampled_from(eligible), max_size=4, unique=True) if eligible else st.just([])
    )
    split = data.draw(st.integers(0, len(chosen)))
    locks, forbids = chosen[:split], chosen[split:]
    costs = model.components.costs(weights)
    cost_of = {
        pair: int(costs[k])
        for k, pair in enumerate(
            zip(model.pairs.candidate.tolist(), model.pairs.position.tolist(), strict=True)
        )
    }
    allowed = [pair for pair in eligible if pair not in set(forbids)]
    reference = lp_optimum(instance, allowed, cost_of, locks)

    try:
        plan = solve(model, weights, Edits.of(locks=locks, forbids=forbids))
    except LocksInfeasible:
        assert reference is None
        return

    assert reference is not None
    assert -plan.objective == round(reference)
    assert plan.optimality_gap == 0

    moves = list(zip(plan.candidate.tolist(), plan.position.tolist(), strict=True))
    candidates, positions = instance.candidates, instance.positions
    assert set(locks) <= set(moves)
    assert not set(forbids) & set(moves)
    assert set(moves) <= set(eligible)
    assert len({c for c, _ in moves}) == len(moves)
    assert np.all(np.bincount(plan.position, minlength=len(positions)) <= positions.seats)
    released = np.bincount(candidates.unit[plan.candidate], minlength=len(instance.units))
    received = np.bincount(positions.unit[plan.position], minlength=len(instance.units))
    assert np.all(released <= release_caps_by_hand(instance))
    limit = instance.units.intake_limit
    assert np.all((limit < 0) | (received <= limit))
    assert plan.objective == -sum(cost_of[m] for m in moves)

    # the potentials satisfy the optimality conditions on every arc of the residual graph
    graph = build_graph(plan.problem)
    flow, d = plan.solution.flows.as_array(), plan.solution.potentials.as_array()
    reduced = graph.cost + d[graph.tail] - d[graph.head]
    assert np.all(reduced[flow < graph.capacity] >= 0)
    assert np.all(reduced[flow > 0] <= 0)

    check_ties_and_explanations(instance, model, plan, cost_of, allowed, locks)

    free = [k for k, locked in enumerate(plan.locked.tolist()) if not locked]
    if free:
        k = data.draw(st.sampled_from(free))
        without = lp_optimum(instance, [p for p in allowed if p != moves[k]], cost_of, locks)
        assert without is not None
        assert plan.forbid_loss(k) == pytest.approx((round(without) + plan.objective) / 1000)


@st.composite
def crowded_rounds(draw: st.DrawFn) -> Round:
    """Rounds where most people may move and many are alike: plans of equal score abound."""
    n_units = draw(st.integers(2, 3))
    units = [
        U(
            need=draw(st.sampled_from([0, 6, 12])),
            present=10,
            location=draw(st.integers(0, 2)),
            release_limit=draw(limits),
            intake_limit=draw(limits),
        )
        for _ in range(n_units)
    ]
    unit = st.integers(0, n_units - 1)
    levels = st.sampled_from([(3, 3), (4, 2), (5, 5)])
    positions = [
        P(unit=draw(unit), seats=draw(st.integers(1, 2)), standard=draw(levels))
        for _ in range(draw(st.integers(1, 5)))
    ]
    candidates = [
        C(
            unit=draw(unit),
            competency=draw(levels),
            rank=draw(st.sampled_from([32, 34])),
            age=draw(st.sampled_from([30, 45])),
            preferences=tuple(draw(st.lists(st.integers(0, 2), max_size=1))),
        )
        for _ in range(draw(st.integers(1, 7)))
    ]
    return Round(units, positions, candidates)


few_weights = st.builds(Weights, **{name: st.sampled_from([0.0, 10.0, 40.0]) for name in COMPONENTS})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(round_=crowded_rounds(), weights=few_weights, data=st.data())
def test_ties_go_by_the_tie_break_rule_and_each_move_says_whether_a_tie_decided_it(round_, weights, data):
    instance = round_.instance()
    model = build_model(instance)
    pairs = list(zip(model.pairs.candidate.tolist(), model.pairs.position.tolist(), strict=True))
    costs = model.components.costs(weights)
    cost_of = {pair: int(costs[k]) for k, pair in enumerate(pairs)}
    chosen = data.draw(st.lists(st.sampled_from(pairs), max_size=2, unique=True) if pairs else st.just([]))
    split = data.draw(st.integers(0, len(chosen)))
    locks, forbids = chosen[:split], chosen[split:]
    allowed = [pair for pair in pairs if pair not in set(forbids)]
    try:
        plan = solve(model, weights, Edits.of(locks=locks, forbids=forbids))
    except LocksInfeasible:
        return

    reference = lp_optimum(instance, allowed, cost_of, locks)
    assert reference is not None
    assert -plan.objective == round(reference)
    check_ties_and_explanations(instance, model, plan, cost_of, allowed, locks)


def check_ties_and_explanations(
    instance: PlacementInstance,
    model: PlacementModel,
    plan: Plan,
    cost_of: dict[tuple[int, int], int],
    allowed: list[tuple[int, int]],
    locks: list[tuple[int, int]],
) -> None:
    """Of the optimal plans, the plan is one of least tie-break cost (a lexicographic LP: score first);
    each move's margins are over the best other pair the plan could take, and its tie flag says whether
    the best plan without it scores the same."""
    moves = list(zip(plan.candidate.tolist(), plan.position.tolist(), strict=True))
    tie_of = {
        pair: int(model.tie_break[k])
        for k, pair in enumerate(
            zip(model.pairs.candidate.tolist(), model.pairs.position.tolist(), strict=True)
        )
    }
    scale = len(instance.candidates) * max(tie_of.values(), default=0) + 1
    lexicographic = lp_optimum(instance, allowed, {p: cost_of[p] * scale + tie_of[p] for p in allowed}, locks)
    assert lexicographic is not None
    assert round(lexicographic) == -plan.objective * scale + sum(tie_of[m] for m in moves)

    records = move_explanations(plan, explain(plan))
    locked_people = {c for c, _ in locks}
    could_take = [pair for pair in allowed if pair[0] not in locked_people or pair in set(locks)]
    for k, record in enumerate(records):
        assert record.score == pytest.approx(sum(p["points"] for p in record.components.values()), abs=0.01)
        assert all(r["reduced_cost"] >= 0 for r in record.runners_up)
        for other, side in ((record.best_other_candidate, 1), (record.best_other_position, 0)):
            rivals = [
                cost_of[pair] for pair in could_take if pair[side] == moves[k][side] and pair != moves[k]
            ]
            if rivals:
                assert other is not None
                assert other["margin"] == pytest.approx((min(rivals) - cost_of[moves[k]]) / 1000, abs=1e-9)
            else:
                assert other is None
        assert record.tie == (not record.locked and plan.forbid_loss(k) == 0)
