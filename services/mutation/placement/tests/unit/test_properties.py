"""On random rounds, the plan is the optimum an independent LP solve (HiGHS) finds for the same model, and
every hard constraint holds."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.mutation.placement.domain.engine import Edits, LocksInfeasible, build_model, solve
from services.mutation.placement.domain.explain import explain, move_explanations
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

    records = move_explanations(plan, explain(plan))
    for record in records:
        assert record.score == pytest.approx(sum(p["points"] for p in record.components.values()), abs=0.01)
        assert all(r["reduced_cost"] >= 0 for r in record.runners_up)

    free = [k for k, locked in enumerate(plan.locked.tolist()) if not locked]
    if free:
        k = data.draw(st.sampled_from(free))
        without = lp_optimum(instance, [p for p in allowed if p != moves[k]], cost_of, locks)
        assert without is not None
        assert plan.forbid_loss(k) == pytest.approx((round(without) + plan.objective) / 1000)
