"""Who enters a placement round's candidate pool: the union of its definitions."""

import pytest

from services.mutation.placement.domain.rounds import PoolKind, PoolPerson, PoolRule, SelfRequest, select_pool

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
