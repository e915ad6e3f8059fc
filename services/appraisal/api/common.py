"""Types the appraisal routes share."""

from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from shared.errors import FieldProblem, InvalidInput
from shared.pagination import decode_cursor


def _places(exponent: str) -> AfterValidator:
    # Decimals are answered as the database keeps them, so a write and a later read look the same.
    return AfterValidator(lambda value: value.quantize(Decimal(exponent)))


Nip = Annotated[str, Field(pattern=r"^\d{18}$", description="18-digit NIP", examples=["198503122010011001"])]
AgencyCode = Annotated[str, Field(min_length=1, max_length=20, examples=["7601"])]
Amount = Annotated[Decimal, Field(ge=0, le=Decimal("1e12")), _places("0.01")]
Percent = Annotated[Decimal, Field(ge=0, le=100), _places("0.01")]
# Credit points and the coefficients they come from have two decimals (BKN's rounding, the functional levels'
# reference data), whatever a column keeps.
CreditPoints = Annotated[Decimal, _places("0.01")]


def cursor_key(cursor: str | None, *kinds: type) -> tuple[Any, ...] | None:
    """The sort key a `next_cursor` carries, each part converted to its kind; refuses a foreign cursor."""
    key = decode_cursor(cursor)
    if key is None:
        return None
    try:
        if len(key) != len(kinds):
            raise ValueError(key)
        return tuple(kind(part) for kind, part in zip(kinds, key, strict=True))
    except (TypeError, ValueError):
        raise InvalidInput(
            "the cursor is not one this list issued",
            errors=[FieldProblem(field="cursor", message="invalid cursor")],
        ) from None
