"""Types the training routes share."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Header
from pydantic import Field, StringConstraints

from services.training.domain.jp import JpRules
from services.training.settings import training_settings
from shared.deps import RuntimeDep
from shared.errors import FieldProblem, InvalidInput
from shared.pagination import decode_cursor

Nip = Annotated[str, Field(pattern=r"^\d{18}$", description="18-digit NIP", examples=["198503122010011001"])]
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
IfMatch = Annotated[str | None, Header(description="the ETag you read; required")]


def jp_rules(runtime: RuntimeDep) -> JpRules:
    """The JP rules the service runs with: its settings."""
    return training_settings(runtime.settings).jp_rules


JpRulesDep = Annotated[JpRules, Depends(jp_rules)]


def cursor_key(cursor: str | None, *kinds: Callable[[Any], Any]) -> tuple[Any, ...] | None:
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
