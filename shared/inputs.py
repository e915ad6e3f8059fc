"""The contract every write is held to (ARCHITECTURE.md §7): what a caller sends is refused whole, with the
field named, unless every part of it is understood.

- A request body is a `RequestModel`: a field the API does not define is refused (an integrator must never
  believe a value was saved that was silently dropped), types are checked before anything changes.
- A date or a time is written in ISO 8601: a number (or a text of digits alone) is refused, where pydantic
  would take it for seconds since 1970 (`{"on": 0}` would mean 1 January 1970).
- Text carries no control characters but tab, line feed and carriage return: NUL cannot be stored by
  PostgreSQL and would be by SQLite, and the others corrupt files, logs and the documents the platform
  prints. The rule is the same whatever the database; `shared.web` applies it to query strings and paths.
"""

import re
from collections.abc import Iterator
from datetime import date, datetime, time
from functools import cache
from typing import Annotated, Any, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

# A civil servant's NIP (Nomor Induk Pegawai) as requests name it: its 18 digits. The employee service checks
# what the digits say (birth date, TMT, gender) when an employee is registered.
Nip = Annotated[str, Field(pattern=r"^\d{18}$", description="18-digit NIP", examples=["198503122010011001"])]

# What pydantic would read as seconds since 1970 where a date or time is expected.
_NUMBER = re.compile(r"\s*[-+]?\d+(\.\d*)?\s*")

# C0 controls and DEL, except tab, line feed and carriage return.
_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def control_character_in(text: str) -> str | None:
    """The first forbidden control character in `text`, written as U+XXXX; None when there is none."""
    found = _CONTROL_CHARACTER.search(text)
    return None if found is None else f"U+{ord(found.group()):04X}"


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(key)
            yield from _texts(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _texts(item)


# Stands in for a number sent as a date: the field's own validation refuses it.
NOT_A_DATE = object()


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value) is not None)


@cache
def _is_temporal(annotation: Any) -> bool:
    """A date, datetime or time, optional or annotated."""
    if annotation in (date, datetime, time):
        return True
    return any(_is_temporal(inner) for inner in get_args(annotation))


@cache
def _temporal_keys(model: type[BaseModel]) -> tuple[str, ...]:
    """The keys of a model's date and time fields, found once per model."""
    return tuple(
        field.alias or name for name, field in model.model_fields.items() if _is_temporal(field.annotation)
    )


class RequestModel(BaseModel):
    """Base of every request body and of the models nested in one."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _dates_as_text(cls, data: Any) -> Any:
        # Replaced by a value no date accepts, so the refusal names the field like any other wrong type.
        if not isinstance(data, dict):
            return data
        for key in _temporal_keys(cls):
            if key in data and _is_number(data[key]):
                data = {**data, key: NOT_A_DATE}
        return data

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        # Nested request models checked their own fields; plain text, lists and mappings are checked here.
        for text in _texts(value):
            character = control_character_in(text)
            if character is not None:
                raise ValueError(f"contains the control character {character}, which text may not hold")
        return value


def refuse_null(value: Any) -> Any:
    """A `mode="before"` field validator for updates: an absent field keeps its value, and null is refused
    where the field needs one (`_required = field_validator("name", mode="before")(refuse_null)`)."""
    if value is None:
        raise ValueError("cannot be null; leave the field out to keep its value")
    return value
