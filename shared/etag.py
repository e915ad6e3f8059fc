"""ETags and `If-Match` (ARCHITECTURE.md §8): every resource carries a version; an update names the version
it read, and a stale one gets 412 instead of silently overwriting someone else's change."""

from typing import Annotated

from fastapi import Header, Response

from shared.errors import FieldProblem, PreconditionFailed, PreconditionRequired

IfMatch = Annotated[str | None, Header(description="the ETag you read; required")]
"""The `If-Match` header of an update, checked by `version_from_if_match` (absent: 428)."""


def etag_of(version: int) -> str:
    return f'W/"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag_of(version)


def version_from_if_match(if_match: str | None) -> int:
    """The version an update expects; refuses a missing or malformed `If-Match` header."""
    if if_match is None:
        raise PreconditionRequired(
            "this update needs an If-Match header with the resource's ETag",
            errors=[FieldProblem(field="If-Match", message="required")],
        )
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise PreconditionFailed(
            f"If-Match {if_match!r} is not an ETag this API issued",
            errors=[FieldProblem(field="If-Match", message="not an ETag of this resource")],
        )
    return int(tag)


def check_version(current: int, expected: int, what: str) -> None:
    if current != expected:
        raise PreconditionFailed(f"{what} was changed by someone else (now {etag_of(current)}); reload it")
