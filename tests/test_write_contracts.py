"""Every write route of every service holds its contract (shared.inputs): a field the API does not define,
a value of the wrong type, or text with a control character is refused with 422 naming the field, and so is
a control character in the query string. The routes are read from each service's own OpenAPI document, so a
new route is covered the day it is added."""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.appraisal.app import create_app as appraisal_app
from services.employee.app import create_app as employee_app
from services.gateway.app import create_app as gateway_app
from services.gateway.routes import owner_of
from services.gateway.settings import gateway_settings
from services.gateway.tests.support import serve_gateway
from services.mutation.app import create_app as mutation_app
from services.training.app import create_app as training_app
from shared.testing import serve_in_process

pytestmark = pytest.mark.integration

UNKNOWN = "field_this_api_does_not_define"
WRITE_METHODS = ("post", "put", "patch", "delete")
APPS = {
    "employee": employee_app,
    "appraisal": appraisal_app,
    "mutation": mutation_app,
    "training": training_app,
}


@asynccontextmanager
async def _served(service: str, make_settings: Any) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    if service == "gateway":
        app = gateway_app(gateway_settings(await make_settings("gateway")))
        async with serve_gateway(app) as client:
            yield app, client
        return
    app = APPS[service](await make_settings(service))
    async with serve_in_process(app) as client:
        yield app, client


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _non_null(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema a nullable property has when it holds a value."""
    schema = _resolve(spec, schema)
    options = [o for o in schema.get("anyOf", []) if o.get("type") != "null"]
    return _resolve(spec, options[0]) if len(options) == 1 else schema


def _path_value(name: str, schema: dict[str, Any]) -> str:
    if schema.get("format") == "uuid" or name.endswith("_id"):
        return "00000000-0000-4000-8000-000000000000"
    if schema.get("format") == "date" or name == "day":
        return "2026-12-07"
    if name == "nip":
        return "198503122010011001"
    if "enum" in schema:
        return str(schema["enum"][0])
    return "7601"


def _write_operations(app: FastAPI, service: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, concrete path, JSON body schema or {}) of each write route."""
    spec = app.openapi()
    for template, operations in spec["paths"].items():
        if service == "gateway" and owner_of(template) is not None:
            continue
        for method, operation in operations.items():
            if method not in WRITE_METHODS:
                continue
            content = operation.get("requestBody", {}).get("content", {})
            path = template
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    value = _path_value(parameter["name"], _resolve(spec, parameter.get("schema", {})))
                    path = path.replace("{" + parameter["name"] + "}", value)
            body = content.get("application/json", {}).get("schema")
            yield method.upper(), path, _non_null(spec, body) if body else {}


def _wrapped(schema: dict[str, Any], value: dict[str, Any]) -> Any:
    return [value] if schema.get("type") == "array" else value


def _object_schema(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    return _non_null(spec, schema["items"]) if schema.get("type") == "array" else schema


def _named(answer: httpx.Response, field: str) -> bool:
    problems = answer.json().get("errors", []) if answer.status_code == 422 else []
    return any((p.get("field") or "").split(".")[-1] == field for p in problems)


def _wrong_value(schema: dict[str, Any]) -> Any:
    """A JSON value no field of this schema accepts."""
    return "not-a-list-or-object" if schema.get("type") in ("array", "object") else {"wrong": "type"}


def _free_text(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "string" and not {"format", "enum", "pattern"} & schema.keys()


@pytest.mark.parametrize("service", [*APPS, "gateway"])
async def test_every_write_route_refuses_unknown_fields_wrong_types_and_control_characters(
    service: str, make_settings: Any
) -> None:
    async with _served(service, make_settings) as (app, client):
        spec = app.openapi()
        failures: list[str] = []
        routes = 0
        for method, path, body in _write_operations(app, service):
            routes += 1
            where = f"{method} {path}"
            query = await client.request(method, path, params={"filter": "a\x00b"}, json={})
            if not _named(query, "filter"):
                failures.append(f"{where}: a NUL in the query string got {query.status_code}")
            if not body:
                continue
            shape = _object_schema(spec, body)
            unknown = await client.request(method, path, json=_wrapped(body, {UNKNOWN: 1}))
            if not _named(unknown, UNKNOWN):
                failures.append(f"{where}: an unknown field got {unknown.status_code} {unknown.text[:200]}")
            for name, property_schema in shape.get("properties", {}).items():
                property_schema = _non_null(spec, property_schema)
                wrong = await client.request(
                    method, path, json=_wrapped(body, {name: _wrong_value(property_schema)})
                )
                if not _named(wrong, name):
                    failures.append(f"{where}: {name} of the wrong type got {wrong.status_code}")
                if _free_text(property_schema):
                    nul = await client.request(method, path, json=_wrapped(body, {name: "Nama\u0000Palsu"}))
                    if not _named(nul, name) or "control character" not in nul.text:
                        failures.append(f"{where}: {name} with a NUL got {nul.status_code} {nul.text[:200]}")
        assert routes > 0
        assert not failures, f"{len(failures)} contract holes in {routes} write routes:\n" + "\n".join(
            failures
        )
