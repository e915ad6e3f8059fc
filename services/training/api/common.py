"""Types the training routes share."""

from typing import Annotated

from fastapi import Depends
from pydantic import Field, StringConstraints

from services.training.domain.jp import JpRules
from services.training.settings import training_settings
from shared.deps import RuntimeDep

AgencyCode = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20, pattern=r"^[A-Za-z0-9.\-]+$")
]
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
OnBehalfReason = Annotated[
    str | None,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
    Field(
        default=None,
        description="only to enter someone else's act for them (e.g. a form they signed on paper): why. "
        "The record keeps your account beside whose act it is, and the audit chain records it",
        examples=["Formulir ditandatangani 1 Desember; yang bersangkutan sedang dinas luar"],
    ),
]


def jp_rules(runtime: RuntimeDep) -> JpRules:
    """The JP rules the service runs with: its settings."""
    return training_settings(runtime.settings).jp_rules


JpRulesDep = Annotated[JpRules, Depends(jp_rules)]
