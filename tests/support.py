"""Helpers for the cross-service tests: valid demo employees and a running platform."""

from datetime import date, timedelta
from typing import Any


def employee_payload(i: int, *, agency_code: str = "7601") -> dict[str, Any]:
    """The i-th of a series of distinct, valid employees (NIP consistent with birth date and gender)."""
    birth = date(1975, 1, 1) + timedelta(days=i)
    gender_digit = 1 + i % 2
    nip = f"{birth:%Y%m%d}200501{gender_digit}{i % 999 + 1:03d}"
    return {
        "nip": nip,
        "name": f"Pegawai Uji {i}",
        "birth_date": birth.isoformat(),
        "gender": "M" if gender_digit == 1 else "F",
        "agency_code": agency_code,
    }
