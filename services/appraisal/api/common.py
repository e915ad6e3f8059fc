"""Types the appraisal routes share."""

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field


def _places(exponent: str) -> AfterValidator:
    # Decimals are answered as the database keeps them, so a write and a later read look the same.
    return AfterValidator(lambda value: value.quantize(Decimal(exponent)))


AgencyCode = Annotated[str, Field(min_length=1, max_length=20, examples=["7601"])]
Amount = Annotated[Decimal, Field(ge=0, le=Decimal("1e12")), _places("0.01")]
Percent = Annotated[Decimal, Field(ge=0, le=100), _places("0.01")]
# Credit points and the coefficients they come from have two decimals (BKN's rounding, the functional levels'
# reference data), whatever a column keeps.
CreditPoints = Annotated[Decimal, _places("0.01")]
