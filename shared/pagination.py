"""Cursor pagination for every list (ARCHITECTURE.md §8): `?limit=` (default 50, max 500) and an opaque
`cursor`, answering `{items, next_cursor}`.

A cursor is the sort key of the last item returned, so pages stay stable while rows are added or removed
(keyset pagination: no OFFSET, no skipped or repeated rows).
"""

import base64
import json
from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from shared.errors import FieldProblem, InvalidInput

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

Item = TypeVar("Item")

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items per page")]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the previous page")]


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    next_cursor: str | None = None


def encode_cursor(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, default=str).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> list[Any] | None:
    if cursor is None:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        key = None
    if not isinstance(key, list):
        raise InvalidInput(
            "the cursor is not one this API issued",
            errors=[FieldProblem(field="cursor", message="invalid cursor")],
        )
    return key


def cursor_key(cursor: str | None, *kinds: Callable[[Any], Any]) -> tuple[Any, ...] | None:
    """The sort key a `next_cursor` carries, each part converted to its kind (`str`, `UUID`,
    `datetime.fromisoformat`, ...); refuses a cursor of another list."""
    key = decode_cursor(cursor)
    if key is None:
        return None
    try:
        if len(key) != len(kinds):
            raise ValueError(key)
        return tuple(kind(part) for kind, part in zip(kinds, key, strict=True))
    except (TypeError, ValueError, AttributeError):  # AttributeError: UUID(5)
        raise InvalidInput(
            "the cursor is not one this list issued",
            errors=[FieldProblem(field="cursor", message="invalid cursor")],
        ) from None
