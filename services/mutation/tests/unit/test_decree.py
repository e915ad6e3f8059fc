"""The decree: its number, its clauses, its versions, and its PDF (same decree, same bytes, same hash)."""

import hashlib
from datetime import UTC, date, datetime

import pytest

from services.mutation.adapters.decree_pdf import render
from services.mutation.domain.decree import (
    DecreeContent,
    DecreeKind,
    DecreeStatus,
    Post,
    Signatory,
    check_changeable,
    check_tmt,
    considerations,
    decree_number,
    legal_basis,
    signing,
)
from services.mutation.domain.mutation_types import MutationType
from services.mutation.domain.workflow import OnBehalf
from shared.errors import Conflict, Forbidden, InvalidInput

pytestmark = pytest.mark.unit


def content(kind: DecreeKind = DecreeKind.ORIGINAL) -> DecreeContent:
    return DecreeContent(
        number=decree_number("7600", 2026, 7),
        kind=kind,
        register="7600",
        year=2026,
        mutation_type=MutationType.BETWEEN_REGENCIES_IN_PROVINCE,
        nip="198503122010011001",
        name="Andi Mappaseng",
        rank="Penata (III/c)",
        origin=Post("Kabupaten Majene", "Bidang Mutasi", "Analis SDM Aparatur"),
        target=Post("Kabupaten Mamuju", "Bidang Pengembangan", "Analis SDM Aparatur Ahli Muda"),
        tmt=date(2026, 12, 1),
        place="Mamuju",
        signed_on=date(2026, 11, 25),
        signatory=Signatory("Drs. H. Ali Baal Masdar, M.Si.", "Gubernur Sulawesi Barat"),
        considerations=considerations(MutationType.BETWEEN_REGENCIES_IN_PROVINCE, "pemerataan pegawai"),
        legal_basis=tuple(legal_basis(MutationType.BETWEEN_REGENCIES_IN_PROVINCE)),
        changes_number=None if kind is DecreeKind.ORIGINAL else "800.2.3/0003/7600/2026",
        reason=None if kind is DecreeKind.ORIGINAL else "perubahan TMT",
    )


def test_the_number_carries_the_register_sequence_and_year():
    assert decree_number("7600", 2026, 7) == "800.2.3/0007/7600/2026"
    assert decree_number("BKN", 2027, 1234, "821.2") == "821.2/1234/BKN/2027"


def test_the_clauses_name_the_law_and_the_technical_consideration():
    basis = legal_basis(MutationType.BETWEEN_PROVINCES)
    assert any("Nomor 20 Tahun 2023" in b for b in basis) and any("Nomor 5 Tahun 2019" in b for b in basis)
    assert any("Pemerintahan Daerah" in b for b in basis)
    assert not any("Pemerintahan Daerah" in b for b in legal_basis(MutationType.BETWEEN_CENTRAL))
    assert any(
        "Kepala BKN" in c for c in considerations(MutationType.BETWEEN_PROVINCES, "kebutuhan organisasi")
    )
    assert len(considerations(MutationType.WITHIN_AGENCY, "rotasi")) == 2


def test_the_pdf_is_the_same_bytes_for_the_same_decree():
    at = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    first, second = render(content(), issued_at=at), render(content(), issued_at=at)
    assert first.startswith(b"%PDF") and first == second
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()
    amended = render(content(DecreeKind.AMENDMENT), issued_at=at)
    revoked = render(content(DecreeKind.REVOCATION), issued_at=at)
    assert len({first, amended, revoked}) == 3


def test_only_the_decree_in_force_changes_and_only_before_it_took_effect():
    check_changeable(DecreeStatus.IN_FORCE, effective=False)
    with pytest.raises(Conflict):
        check_changeable(DecreeStatus.SUPERSEDED, effective=False)
    with pytest.raises(Conflict):
        check_changeable(DecreeStatus.IN_FORCE, effective=True)


def test_a_tmt_may_be_past_but_not_years_ahead():
    check_tmt(date(2025, 1, 1), date(2026, 11, 25))
    check_tmt(date(2027, 6, 1), date(2026, 11, 25))
    with pytest.raises(InvalidInput):
        check_tmt(date(2028, 1, 1), date(2026, 11, 25))
    assert content().as_dict()["target"]["agency"] == "Kabupaten Mamuju"


def test_a_decree_is_its_signatorys_act_entered_by_them_or_for_them_saying_why():
    sekda = Signatory("Dr. Muhammad Idris", "Sekretaris Daerah", "197001011995031001")
    gubernur = Signatory("Drs. H. Ali Baal Masdar, M.Si.", "Gubernur Sulawesi Barat")
    why = "SK ditandatangani basah oleh Gubernur"
    assert signing(sekda.nip, sekda, None) is None
    with pytest.raises(InvalidInput) as needless:
        signing(sekda.nip, sekda, why)
    assert [p.field for p in needless.value.errors] == ["on_behalf_reason"]
    for caller_nip, signatory in ((None, gubernur), (None, sekda), ("199001012015012001", sekda)):
        with pytest.raises(Forbidden) as silent:
            signing(caller_nip, signatory, None)
        assert silent.value.code == "acting-as-someone-else"
        assert {p.field for p in silent.value.errors} == {"signatory", "on_behalf_reason"}
        entered = signing(caller_nip, signatory, why)
        assert entered == OnBehalf(of=f"{signatory.name}, {signatory.title}", reason=why)
