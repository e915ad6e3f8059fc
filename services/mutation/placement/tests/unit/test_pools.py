"""Who enters a placement round's candidate pool: the union of its definitions."""

import pytest

from services.mutation.placement.domain.rounds import (
    PoolKind,
    PoolPerson,
    PoolRule,
    SelfRequest,
    UnitCaps,
    limits_per_unit,
    select_pool,
    unit_caps_as_json,
    unit_caps_of_json,
)

pytestmark = pytest.mark.unit

PEOPLE = [
    PoolPerson("A", posting_years=7, unit_over_staffed=False),
    PoolPerson("B", posting_years=2, unit_over_staffed=True),
    PoolPerson("C", posting_years=3, unit_over_staffed=False, in_succession_pool=True),
    PoolPerson("D", posting_years=1, unit_over_staffed=False),
]


def test_the_succession_pool_takes_only_people_in_boxes_seven_to_nine():
    pool = select_pool([PoolRule(PoolKind.SUCCESSION_POOL)], PEOPLE)
    assert [(m.nip, m.why) for m in pool.members] == [("C", (PoolKind.SUCCESSION_POOL,))]


def test_definitions_unite_and_each_member_says_why():
    rules = [
        PoolRule(PoolKind.LONG_POSTING, min_years=5),
        PoolRule(PoolKind.OVER_STAFFED_UNITS),
        PoolRule(PoolKind.SUCCESSION_POOL),
        PoolRule(PoolKind.SELF_REQUESTS, requests=(SelfRequest("D", ("Palu",)), SelfRequest("Z"))),
    ]
    pool = select_pool(rules, PEOPLE)
    assert [(m.nip, m.why) for m in pool.members] == [
        ("A", (PoolKind.LONG_POSTING,)),
        ("B", (PoolKind.OVER_STAFFED_UNITS,)),
        ("C", (PoolKind.SUCCESSION_POOL,)),
        ("D", (PoolKind.SELF_REQUESTS,)),
    ]
    assert pool.members[3].preferred_locations == ("Palu",)
    assert pool.not_in_scope == ("Z",)


def test_a_unit_limit_of_its_own_overrides_the_round_wide_one_and_a_missing_one_keeps_it():
    overrides = {"u2": 0, "u3": None, "u4": 7}
    assert limits_per_unit(["u1", "u2", "u3", "u4"], 3, overrides, no_limit=-1) == [3, 0, 3, 7]
    assert limits_per_unit(["u1", "u2", "u3", "u4"], None, overrides, no_limit=-1) == [-1, 0, -1, 7]


def test_unit_limits_survive_their_stored_form():
    caps = (UnitCaps("u1", release_limit=2), UnitCaps("u2", intake_limit=0), UnitCaps("u3"))
    assert unit_caps_of_json(unit_caps_as_json(caps)) == caps
    assert unit_caps_of_json(None) == ()
