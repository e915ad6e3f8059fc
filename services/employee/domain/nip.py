"""NIP, the civil servant's 18-digit identification number (Perka BKN 22/2007).

Layout `YYYYMMDD YYYYMM G NNN`: birth date, TMT CPNS (start as candidate civil servant) year and month,
gender digit (1 male, 2 female), sequence number. (The "+40 on the day for women" rule belongs to the
NIK, not the NIP.)
"""

from dataclasses import dataclass
from datetime import date

from shared.errors import FieldProblem, InvalidInput

NIP_LENGTH = 18


@dataclass(frozen=True)
class Nip:
    value: str
    birth_date: date
    tmt_cpns_year: int
    tmt_cpns_month: int
    gender: str  # "M" or "F"
    sequence: int

    def __str__(self) -> str:
        return self.value


class InvalidNip(InvalidInput):
    code = "invalid-nip"
    title = "Invalid NIP"

    def __init__(self, nip: str, part: str, reason: str) -> None:
        super().__init__(f"NIP {nip!r}: {reason}", errors=[FieldProblem(field=f"nip.{part}", message=reason)])
        self.part = part


def parse_nip(raw: str) -> Nip:
    """Parse and check a NIP on its own; raises `InvalidNip` naming the failing part."""
    nip = raw.replace(" ", "")
    if len(nip) != NIP_LENGTH or not nip.isdigit():
        raise InvalidNip(raw, "format", f"must be {NIP_LENGTH} digits, got {len(nip)} characters")
    birth_part, tmt_part, gender_digit, sequence = nip[:8], nip[8:14], nip[14], nip[15:]
    try:
        birth = date(int(birth_part[:4]), int(birth_part[4:6]), int(birth_part[6:8]))
    except ValueError:
        raise InvalidNip(raw, "birth_date", f"birth date part {birth_part} is not a real date") from None
    tmt_year, tmt_month = int(tmt_part[:4]), int(tmt_part[4:6])
    if not 1 <= tmt_month <= 12 or tmt_year < 1950:
        raise InvalidNip(raw, "tmt_cpns", f"TMT CPNS part {tmt_part} is not a real year and month")
    if (tmt_year, tmt_month) <= (birth.year, birth.month):
        raise InvalidNip(
            raw, "tmt_cpns", f"TMT CPNS {tmt_year}-{tmt_month:02d} is not after the birth date {birth}"
        )
    if gender_digit not in "12":
        raise InvalidNip(raw, "gender", f"gender digit must be 1 (male) or 2 (female), got {gender_digit}")
    if sequence == "000":
        raise InvalidNip(raw, "sequence", "sequence number must be 001 to 999")
    return Nip(nip, birth, tmt_year, tmt_month, "M" if gender_digit == "1" else "F", int(sequence))


def check_nip_agrees(nip: Nip, *, birth_date: date, gender: str) -> None:
    """The NIP must agree with the birth date and gender recorded for the person."""
    if nip.birth_date != birth_date:
        raise InvalidNip(
            nip.value,
            "birth_date",
            f"birth date in the NIP ({nip.birth_date}) differs from the recorded birth date ({birth_date})",
        )
    if nip.gender != gender:
        raise InvalidNip(
            nip.value,
            "gender",
            f"gender digit in the NIP ({nip.gender}) differs from the recorded gender ({gender})",
        )
