"""The short chaos profile (tests/chaos/scenario.py): a few SIGKILLs and a broker restart in the middle of
registrations and a round of mutations; nothing lost, nothing applied twice, every invariant holds again
soon after the last restart. `bench/chaos.py` runs the long profile and prints the same figures."""

import pytest

from tests.chaos.scenario import SHORT, run

pytestmark = [pytest.mark.chaos, pytest.mark.integration]


async def test_faults_in_the_middle_of_the_flow_lose_nothing_and_double_nothing(platform):
    outcome = await run(platform, SHORT)
    print(outcome.report())
    assert outcome.problems == [], outcome.problems
    assert (outcome.lost, outcome.doubled) == (0, 0)
    assert (outcome.kills, outcome.broker_restarts) == (SHORT.kills, SHORT.broker_restarts)
    assert outcome.registered == SHORT.registrations
    assert outcome.mutations_completed == SHORT.mutations
    assert outcome.converged_after is not None
