"""RFC 9457 problem details: the one shape every HTTP error of the platform takes.

Domain code raises the errors of `shared.errors` (no framework import needed); `install_problem_handlers`
maps them, FastAPI's validation errors and plain HTTP errors to `application/problem+json` in one place.
"""

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from shared import context
from shared.errors import DomainError, FieldProblem

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "/problems/"


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldProblem] = Field(
        default=[], description="the problems, each naming its field and, in a file, its line"
    )
    errors_total: int | None = Field(
        default=None,
        description="how many problems there were in all, when `errors` lists only the first of them",
    )
    request_id: str | None = None


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    *,
    errors: Sequence[FieldProblem] = (),
    errors_total: int | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        type=PROBLEM_BASE + code,
        title=title,
        status=status,
        detail=detail,
        instance=instance,
        errors=list(errors),
        errors_total=errors_total,
        request_id=context.request_id.get(),
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _location(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem_response(
        exc.status,
        exc.code,
        exc.title,
        exc.detail,
        errors=exc.errors,
        errors_total=exc.errors_total,
        instance=request.url.path,
    )


# Clearer words than pydantic's for the problems callers meet most.
_MESSAGES = {
    "extra_forbidden": "unknown field: this API defines no field of that name, so nothing was saved",
    "missing": "required",
    # Numbers too (shared.inputs): they are not read as seconds since 1970.
    "date_type": "a date, written as YYYY-MM-DD",
    "datetime_type": "a date and time, written in ISO 8601 (2026-12-07T09:00:00+07:00)",
}


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        FieldProblem(
            field=_location(e.get("loc", ())), message=_MESSAGES.get(e.get("type"), e.get("msg", "invalid"))
        )
        for e in exc.errors()
    ]
    return problem_response(
        422,
        "invalid-input",
        "Invalid input",
        f"{len(errors)} field(s) failed validation",
        errors=errors,
        instance=request.url.path,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    phrase = HTTPStatus(exc.status_code).phrase
    code = phrase.lower().replace(" ", "-").replace("'", "")
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else None
    headers = getattr(exc, "headers", None)
    if exc.status_code == 405:
        # Starlette names the methods of the first route of the path only; a path served by several routes
        # (GET and POST of a collection) takes them all (RFC 9110: Allow lists every method the target takes).
        headers = {**(headers or {}), "Allow": ", ".join(_methods_of(request))}
    return problem_response(exc.status_code, code, phrase, detail, instance=request.url.path, headers=headers)


def _methods_of(request: Request) -> list[str]:
    """The methods some route takes at the request's path, asked of the routes themselves."""
    routes = request.app.router.routes
    return [
        method
        for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    ]


_METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DBAPIError)
    sqlstate = getattr(exc.orig, "sqlstate", None) or ""
    if not sqlstate.startswith(_DATA_EXCEPTION_CLASS):
        return await _unexpected_error(request, exc)
    # A value the database cannot hold (a NUL character in text, a number out of range): the caller's input,
    # and the transaction rolled back, so nothing changed.
    return problem_response(
        422,
        "invalid-input",
        "Invalid input",
        "a value in the request cannot be stored (for example a NUL character or a number out of range)",
        instance=request.url.path,
    )


# SQLSTATE class 22, "data exception": raised by the values a statement carried, not by the statement.
_DATA_EXCEPTION_CLASS = "22"


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # The traceback goes to the log (with the request id), never to the caller.
    logging.getLogger("shared.errors").exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(
        500,
        "internal-error",
        "Internal error",
        "An unexpected error occurred; quote the request id when reporting it.",
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(Exception, _unexpected_error)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}, "description": HTTPStatus(status).phrase}
    for status in (400, 401, 403, 404, 409, 412, 413, 422, 428)
}
