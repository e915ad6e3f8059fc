"""The audit chain: each entry seals the one before it, so an altered, deleted or reordered row is found,
and the first bad row is named."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from shared.audit.chain import GENESIS, Entry, seal, verify

pytestmark = pytest.mark.unit

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def chain(n: int) -> list[Entry]:
    entries, prev = [], GENESIS
    for i in range(1, n + 1):
        entry = seal(
            i,
            prev,
            at=T0 + timedelta(seconds=i),
            actor="hr-target",
            action="verify",
            subject_type="proposal",
            subject_id=f"p-{i}",
            agency_code="7602",
            data={"state": "verified", "n": i, "results": {"rank_fit": "pass"}},
        )
        entries.append(entry)
        prev = entry.hash
    return entries


def test_an_untouched_chain_verifies():
    entries = chain(5)
    result = verify(entries, head_seq=5, head_hash=entries[-1].hash)
    assert result.valid and result.checked == 5 and result.first_bad_seq is None
    assert verify([], head_seq=0, head_hash=GENESIS).valid


def test_the_same_entry_always_seals_to_the_same_hash():
    assert chain(3)[2].hash == chain(3)[2].hash
    assert len({e.hash for e in chain(3)}) == 3


@pytest.mark.parametrize(
    "change",
    [
        {"actor": "someone-else"},
        {"action": "reject"},
        {"data": {"state": "verified", "n": 3, "results": {"rank_fit": "fail"}}},
        {"at": T0},
        {"agency_code": "7605"},
    ],
)
def test_an_altered_row_is_named(change):
    entries = chain(5)
    entries[2] = replace(entries[2], **change)
    result = verify(entries, head_seq=5, head_hash=entries[-1].hash)
    assert not result.valid and result.first_bad_seq == 3 and "altered" in result.problem
    assert result.checked == 2


def test_a_resealed_row_breaks_the_link_of_the_next():
    entries = chain(5)
    forged = seal(
        3,
        entries[1].hash,
        at=T0,
        actor="x",
        action="y",
        subject_type="proposal",
        subject_id="p",
        agency_code=None,
        data={},
    )
    entries[2] = forged
    result = verify(entries, head_seq=5, head_hash=entries[-1].hash)
    assert result.first_bad_seq == 4 and "link" in result.problem


def test_a_deleted_row_is_named():
    entries = chain(5)
    del entries[1]
    result = verify(entries, head_seq=5, head_hash=entries[-1].hash)
    assert not result.valid and result.first_bad_seq == 2 and "missing" in result.problem


def test_rows_deleted_from_the_end_are_caught_against_the_head():
    entries = chain(5)
    result = verify(entries[:3], head_seq=5, head_hash=entries[-1].hash)
    assert not result.valid and result.first_bad_seq == 4
