import json
import math
import re
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from services.mutation.placement.domain.engine import Edits, build_model, solve
from services.mutation.placement.domain.explain import REASONS, explain, move_explanations, reason_of
from services.mutation.placement.domain.scoring import COMPONENTS, Weights
from services.mutation.placement.tests.support import ONLY_MATCH, C, P, Round, U

pytestmark = pytest.mark.unit

# The web app's catalogue holds the sentence of every reason code.
CATALOGUE = Path(__file__).resolve().parents[5] / "services/gateway/web/static/i18n/id.json"


def crossing_round(need: float = 0, release_limit: int = -1) -> Round:
    return Round(
        [U(need, 10, release_limit=release_limit), U(8, 6)],
        [P(unit=1, standard=(5, 0)), P(unit=1, standard=(0, 5)), P(unit=1, family=3)],
        [C(unit=0, competency=(5, 4)), C(unit=0, competency=(4, 1))],
    )


def test_each_move_shows_its_components_and_they_add_up_to_its_score():
    weights = Weights()
    round_ = Round(
        [U(6, 10, location=0), U(12, 10, location=1)],
        [P(unit=1, standard=(4, 2))],
        [C(unit=0, competency=(3, 5), preferences=(1,), nine_box=7)],
    )
    plan = solve(build_model(round_.instance()), weights)
    [record] = move_explanations(plan, explain(plan))

    assert list(record.components) == list(COMPONENTS)
    for name, part in record.components.items():
        assert part["points"] == pytest.approx(getattr(weights, name) * part["value"], abs=1e-3)
    assert record.score == pytest.approx(sum(p["points"] for p in record.components.values()), abs=1e-3)
    assert record.score == pytest.approx(plan.total_score, abs=1e-3)
    assert record.components["preference"] == {"value": 1.0, "points": 15.0}
    assert record.components["talent"]["value"] == 0.75


def test_runners_up_are_ranked_by_reduced_cost_which_never_exceeds_the_real_loss():
    model = build_model(crossing_round().instance())
    plan = solve(model, ONLY_MATCH)  # A -> P1, B -> P0
    records = {(r.candidate, r.position): r for r in move_explanations(plan, explain(plan))}

    [runner_up] = records[1, 0].runners_up
    assert runner_up["candidate"] == 0
    assert runner_up["moved_to"] == 1
    assert runner_up["score"] == 100
    forced = solve(model, ONLY_MATCH, Edits.of(locks=[(0, 0)]))
    assert 0 <= runner_up["reduced_cost"] <= plan.total_score - forced.total_score == 40


def test_a_binding_release_cap_is_named_with_its_shadow_price():
    plan = solve(build_model(crossing_round(need=9).instance()), ONLY_MATCH)  # one may leave: A -> P0
    [record] = move_explanations(plan, explain(plan))
    bound = {b["constraint"]: b for b in record.bound}

    assert (record.candidate, record.position) == (0, 0)
    assert bound["release_cap"]["by_limit"] is False
    # Releasing nobody would lose 100, a second release would gain 60: any price in between is a dual.
    assert 0 < bound["release_cap"]["shadow_price"] <= 100
    assert record.next_best_position is not None
    assert record.next_best_position["position"] == 1
    assert record.next_best_position["reduced_cost"] >= 0


def test_a_cap_set_by_the_round_limit_says_so():
    plan = solve(build_model(crossing_round(release_limit=1).instance()), ONLY_MATCH)
    [record] = move_explanations(plan, explain(plan))

    release = next(b for b in record.bound if b["constraint"] == "release_cap")
    assert release["by_limit"] is True


def test_an_unfilled_vacancy_shows_its_best_candidates_or_that_nobody_fits():
    plan = solve(build_model(crossing_round(need=9).instance()), ONLY_MATCH)
    runners_up = explain(plan).runners_up

    assert sorted(runners_up.candidate[1, :2].tolist()) == [0, 1]  # P1 stays open: A (moved to P0), B
    assert runners_up.candidate[1, 2] == -1
    assert np.all(runners_up.reduced_cost[1, :2] >= 0)
    assert runners_up.candidate[2].tolist() == [-1, -1, -1]  # nobody of family 3


def test_a_tie_says_so_and_names_the_rule_that_settled_it():
    # Two people equally good for one seat: the more senior (rank III/d over III/b) takes it, though
    # listed second.
    twins = Round([U(0, 10), U(8, 6)], [P(unit=1)], [C(unit=0, rank=32), C(unit=0, rank=34)])
    plan = solve(build_model(twins.instance()), ONLY_MATCH)
    [record] = move_explanations(plan, explain(plan))

    assert (record.candidate, record.position) == (1, 0)
    assert record.tie is True
    assert record.tie_break == "seniority"
    assert record.best_other_candidate == {"candidate": 0, "score": 100.0, "margin": 0.0}
    assert record.reason == {"code": "tie_seniority", "params": {"score": 100.0}}
    assert plan.forbid_loss(0) == 0


def test_a_clear_winner_shows_its_margins_over_the_best_other_person_and_position():
    # Scores (job-person match x 100): A fits P0 100 and P1 50; B fits either 25.
    round_ = Round(
        [U(0, 10), U(8, 6)],
        [P(unit=1, standard=(4, 0)), P(unit=1, standard=(0, 4))],
        [C(unit=0, competency=(4, 2)), C(unit=0, competency=(1, 1))],
    )
    plan = solve(build_model(round_.instance()), ONLY_MATCH)
    records = {(r.candidate, r.position): r for r in move_explanations(plan, explain(plan))}

    assert set(records) == {(0, 0), (1, 1)}
    winner = records[0, 0]
    assert winner.tie is False and winner.tie_break is None
    assert winner.best_other_candidate == {"candidate": 1, "score": 25.0, "margin": 100.0 - 25.0}
    assert winner.best_other_position == {"position": 1, "score": 50.0, "margin": 100.0 - 50.0}
    assert winner.reason == {
        "code": "best_both",
        "params": {"score": 100.0, "candidate_margin": 75.0, "position_margin": 50.0},
    }
    # B takes P1 although A scores more there: A is worth more at P0.
    assert records[1, 1].best_other_candidate == {"candidate": 0, "score": 50.0, "margin": 25.0 - 50.0}
    assert records[1, 1].reason == {"code": "outscored_for_position", "params": {"score": 25.0, "gap": 25.0}}


def test_an_only_pair_and_a_locked_move_say_so():
    alone = Round([U(0, 10), U(8, 6)], [P(unit=1)], [C(unit=0)])
    plan = solve(build_model(alone.instance()), ONLY_MATCH)
    [only] = move_explanations(plan, explain(plan))
    locked_plan = solve(build_model(crossing_round().instance()), ONLY_MATCH, Edits.of(locks=[(0, 0)]))
    locked = next(r for r in move_explanations(locked_plan, explain(locked_plan)) if r.locked)

    assert only.best_other_candidate is None and only.best_other_position is None
    assert only.reason["code"] == "only_pair"
    assert locked.tie is False
    assert locked.reason["code"] == "locked"


def _negative_zeros(node: object, path: str = "") -> list[str]:
    if isinstance(node, dict):
        return [z for key, value in node.items() for z in _negative_zeros(value, f"{path}.{key}")]
    if isinstance(node, list):
        return [z for i, value in enumerate(node) for z in _negative_zeros(value, f"{path}[{i}]")]
    return [path] if isinstance(node, float) and node == 0 and math.copysign(1.0, node) < 0 else []


def test_no_figure_of_an_explanation_is_a_negative_zero():
    # Same location (distance 0), equal twins (margin 0), a workload effect of exactly 0 (EJ 1).
    twins = Round([U(0, 10), U(6, 6)], [P(unit=1), P(unit=1)], [C(unit=0), C(unit=0)])
    plan = solve(build_model(twins.instance()), Weights())
    records = move_explanations(plan, explain(plan))

    assert len(records) == 2
    assert records[0].components["distance"]["value"] == 0
    assert [r.best_other_candidate["margin"] for r in records] == [0.0, 0.0]
    assert [z for r in records for z in _negative_zeros(asdict(r))] == []


# A representative move of each reason: (locked, tie, margin over the best other candidate, over the
# best other position).
REASON_CASES = {
    "locked": (True, False, 5.0, 5.0),
    "tie_seniority": (False, True, 0.0, 5.0),
    "only_pair": (False, False, None, None),
    "outscored_for_position": (False, False, -2.5, 5.0),
    "second_choice": (False, False, 5.0, 0.0),
    "best_both": (False, False, 5.0, 2.5),
    "sole_candidate": (False, False, None, 2.5),
    "sole_position": (False, False, 5.0, None),
}


def test_every_reason_has_an_indonesian_sentence_with_exactly_its_figures():
    catalogue = json.loads(CATALOGUE.read_text(encoding="utf-8"))["placement_reasons"]

    assert set(REASON_CASES) == set(REASONS)
    for code, (locked, tie, candidate_margin, position_margin) in REASON_CASES.items():
        reason = reason_of(60.0, locked, tie, candidate_margin, position_margin)
        assert reason["code"] == code
        assert set(re.findall(r"\{(\w+)\}", catalogue[code])) == set(reason["params"]), code
        assert all(value >= 0 for value in reason["params"].values()), code
