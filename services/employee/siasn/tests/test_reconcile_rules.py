"""The reconciliation's pure rules: SIASN's data-utama read through the import's SIASN mapping, the compared
fields, and what a pull does to each row of the queue."""

from datetime import UTC, datetime, timedelta

import pytest

from services.employee.siasn.domain.reconcile import (
    PLACEMENT,
    RANK,
    DifferenceState,
    QueuedDifference,
    SiasnPerson,
    compare,
    queue_changes,
    read_person,
    same,
)
from services.employee.siasn.fake import demo_agency

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
EARLIER = NOW - timedelta(days=30)


def _queued(field: str, state: DifferenceState, theirs: object = "SIASN") -> QueuedDifference:
    return QueuedDifference(field, "ours", theirs, state, EARLIER)


def test_data_utama_is_read_in_our_fields_with_the_decrees_of_the_riwayat():
    person = next(iter(demo_agency(seed=3, people=1).people.values()))
    view = read_person(SiasnPerson(person.nip, person.data_utama, person.riwayat))
    du, golongan = person.data_utama, person.riwayat["golongan"][-1]
    assert view.siasn_id == person.pns_id.upper()
    assert view.values["name"] == du["nama"] and view.values["status"] == "active"
    assert view.values["birth_date"] == "-".join(reversed(du["tglLahir"].split("-")))
    assert view.rank is not None and view.rank["code"] == golongan["golongan"]
    assert view.rank["decree_number"] == golongan["skNomor"]
    assert view.placement["siasn_unor_id"] == du["unorId"].upper()
    assert view.unreadable == {}


def test_names_compare_without_case_and_spacing_and_compounds_by_their_compared_parts():
    assert same("name", "Budi  Santoso", "BUDI SANTOSO")
    assert not same("nik", "7601011203850001", "7601011203850002")
    assert same(
        RANK,
        {"code": "III/a", "tmt": "2020-04-01"},
        {"code": "III/a", "tmt": "2020-04-01", "decree_number": "1"},
    )
    assert not same(RANK, {"code": "III/a", "tmt": "2020-04-01"}, {"code": "III/b", "tmt": "2024-04-01"})


def test_a_placement_is_compared_only_where_one_side_knows_the_link():
    ours = {"siasn_unor_id": None, "siasn_jabatan_id": None, "unit_id": "u1", "position_id": "p1"}
    unlinked = {"siasn_unor_id": "AB", "siasn_jabatan_id": "CD", "unit_id": None, "position_id": None}
    assert same(PLACEMENT, ours, unlinked)  # neither side's unor is linked: nothing to tell
    linked_elsewhere = {**unlinked, "unit_id": "u2", "position_id": "p2"}
    assert not same(PLACEMENT, ours, linked_elsewhere)
    ours_linked = {**ours, "siasn_unor_id": "AB", "siasn_jabatan_id": "CD"}
    assert same(PLACEMENT, ours_linked, {**unlinked, "unit_id": "u1", "position_id": "p1"})
    assert compare({"name": "A", "nik": None}, {"name": "a", "nik": "1"}) == {"nik": (None, "1")}


def test_a_new_difference_opens_and_an_open_one_keeps_its_since():
    changes = queue_changes(
        {"nik": _queued("nik", DifferenceState.OPEN)},
        {"name": ("A", "B"), "nik": ("1", "2")},
        ["name", "nik"],
        NOW,
    )
    by_field = {c.field: c for c in changes}
    assert by_field["name"].state is DifferenceState.OPEN and by_field["name"].since == NOW
    assert by_field["nik"].state is DifferenceState.OPEN and by_field["nik"].since is None


def test_a_rejected_difference_stays_while_siasn_holds_its_value_and_reopens_when_it_changes():
    queued = {"name": _queued("name", DifferenceState.REJECTED, "B")}
    [kept] = queue_changes(queued, {"name": ("A", "B")}, ["name"], NOW)
    assert kept.state is DifferenceState.REJECTED and kept.since is None
    [reopened] = queue_changes(queued, {"name": ("A", "C")}, ["name"], NOW)
    assert reopened.state is DifferenceState.OPEN and reopened.since == NOW and reopened.reopened


def test_agreement_resolves_open_and_rejected_ones_and_keeps_an_accepted_decision():
    queued = {
        "name": _queued("name", DifferenceState.OPEN),
        "nik": _queued("nik", DifferenceState.REJECTED),
        "birth_place": _queued("birth_place", DifferenceState.ACCEPTED),
        "tmt_pns": _queued("tmt_pns", DifferenceState.OPEN),
    }
    changes = queue_changes(queued, {}, ["name", "nik", "birth_place"], NOW)
    assert {c.field: c.state for c in changes} == {
        "name": DifferenceState.RESOLVED,
        "nik": DifferenceState.RESOLVED,
    }
    # A field not compared this time (tmt_pns) is left as it is; an accepted one differing again reopens.
    [again] = queue_changes(queued, {"birth_place": ("X", "Y")}, ["birth_place"], NOW)
    assert again.state is DifferenceState.OPEN and again.since == NOW
