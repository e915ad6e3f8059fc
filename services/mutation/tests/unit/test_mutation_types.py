"""The mutation type follows from the two agencies (and a representation abroad from the target unit)."""

import pytest

from services.mutation.domain.documents import DocumentKind, missing_documents, required_documents
from services.mutation.domain.mutation_types import (
    AUTHORITIES,
    AgencyKind,
    AgencyRef,
    MutationType,
    decree_register,
    derive_type,
)
from shared.errors import InvalidInput

pytestmark = pytest.mark.unit

SULBAR = AgencyRef("7600", AgencyKind.PROVINCE, "7600", "Provinsi Sulawesi Barat")
MAJENE = AgencyRef("7605", AgencyKind.KABUPATEN, "7600", "Kabupaten Majene")
MAMUJU = AgencyRef("7602", AgencyKind.KABUPATEN, "7600", "Kabupaten Mamuju")
MAKASSAR = AgencyRef("7371", AgencyKind.KOTA, "7300", "Kota Makassar")
SULSEL = AgencyRef("7300", AgencyKind.PROVINCE, "7300", "Provinsi Sulawesi Selatan")
BKN = AgencyRef("BKN", AgencyKind.CENTRAL, None, "Badan Kepegawaian Negara")
KEMLU = AgencyRef("KEMLU", AgencyKind.CENTRAL, None, "Kementerian Luar Negeri")


@pytest.mark.parametrize(
    ("origin", "target", "unit", "expected", "register"),
    [
        (MAJENE, MAJENE, "Bidang Mutasi", MutationType.WITHIN_AGENCY, "7605"),
        (MAJENE, MAMUJU, "Bidang Mutasi", MutationType.BETWEEN_REGENCIES_IN_PROVINCE, "7600"),
        (SULBAR, MAMUJU, "Dinas Kesehatan", MutationType.BETWEEN_REGENCIES_IN_PROVINCE, "7600"),
        (MAJENE, MAKASSAR, "Dinas Pendidikan", MutationType.BETWEEN_PROVINCES, "KEMENDAGRI"),
        (SULBAR, SULSEL, "Biro Organisasi", MutationType.BETWEEN_PROVINCES, "KEMENDAGRI"),
        (MAMUJU, BKN, "Direktorat Mutasi", MutationType.REGIONAL_CENTRAL, "BKN"),
        (BKN, SULBAR, "BKD", MutationType.REGIONAL_CENTRAL, "BKN"),
        (BKN, KEMLU, "Biro SDM", MutationType.BETWEEN_CENTRAL, "BKN"),
        (BKN, KEMLU, "KBRI Kuala Lumpur", MutationType.ABROAD, "BKN"),
        (KEMLU, KEMLU, "Konsulat Jenderal RI Jeddah", MutationType.ABROAD, "BKN"),
    ],
)
def test_the_type_and_the_register_follow_from_the_agencies(origin, target, unit, expected, register):
    found = derive_type(origin, target, target_unit_name=unit)
    assert found is expected
    assert decree_register(found, origin, target) == register


def test_a_domestic_representative_office_is_not_abroad():
    assert derive_type(BKN, KEMLU, target_unit_name="BPKP Perwakilan Provinsi Sulawesi Barat") is (
        MutationType.BETWEEN_CENTRAL
    )


def test_a_regional_agency_without_a_province_cannot_be_typed():
    lost = AgencyRef("9999", AgencyKind.KABUPATEN, None)
    with pytest.raises(InvalidInput):
        derive_type(lost, MAMUJU)


def test_only_moves_between_agencies_need_technical_consideration():
    assert not AUTHORITIES[MutationType.WITHIN_AGENCY].needs_technical_consideration
    assert all(
        a.needs_technical_consideration for t, a in AUTHORITIES.items() if t is not MutationType.WITHIN_AGENCY
    )
    assert AUTHORITIES[MutationType.BETWEEN_REGENCIES_IN_PROVINCE].deciding_official == "Gubernur"
    assert AUTHORITIES[MutationType.BETWEEN_PROVINCES].deciding_official == "Menteri Dalam Negeri"
    assert AUTHORITIES[MutationType.ABROAD].unconfirmed


def test_the_file_a_proposal_needs():
    within = required_documents(MutationType.WITHIN_AGENCY, self_requested=False, for_decision=True)
    assert DocumentKind.ORIGIN_RELEASE not in within and DocumentKind.PERSONAL_REQUEST not in within
    cross = required_documents(MutationType.BETWEEN_PROVINCES, self_requested=True, for_decision=False)
    assert DocumentKind.PERSONAL_REQUEST in cross and DocumentKind.DESTINATION_PROPOSAL in cross
    assert DocumentKind.ORIGIN_RELEASE not in cross
    decision = required_documents(MutationType.BETWEEN_PROVINCES, self_requested=True, for_decision=True)
    assert set(decision) - set(cross) == {DocumentKind.ORIGIN_RELEASE}
    present = {k.value for k in cross}
    assert missing_documents(
        MutationType.BETWEEN_PROVINCES, present, self_requested=True, for_decision=True
    ) == [DocumentKind.ORIGIN_RELEASE]
