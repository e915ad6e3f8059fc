"""The merged OpenAPI document the gateway serves at `/api/v1/openapi.json`, built from the four services'
documents and the gateway's own: valid OpenAPI, every `$ref` resolving, every operation describing
exactly what the service answering it describes (its parameters, request body and answers, compared
with every `$ref` followed), and the running platform answering as it says (schemathesis: no 5xx, no
answer outside its documented schema)."""

import asyncio
import json
import os
import re
import sys
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from services.gateway.app import create_app as gateway_app
from services.gateway.domain.apidocs import HTTP_METHODS
from services.gateway.routes import owner_of
from services.gateway.settings import gateway_settings
from services.gateway.tests.support import serve_gateway
from shared.testing import eventually, serving
from tests.authorisation.world import OTHER_SIDE, OWN_SIDE, SERVICES, World, world

pytestmark = pytest.mark.integration

PROJECT_ROOT = Path(__file__).resolve().parents[1]
HOOKS = Path(__file__).with_name("schemathesis_hooks.py")
# The issue this guards: the placement plan's moves were documented as the appraisal monitoring's moves.
PLACEMENT_MOVES = ("/api/v1/placement-rounds/{round_id}/plans/{plan_id}/moves", "get")
MONITORING_MOVES = ("/api/v1/appraisal/mutation-monitoring/moves", "get")
# Bounded, so CI stays fast: a few examples per operation, a fixed seed for reproducible runs.
EXAMPLES_PER_OPERATION = 5
FUZZING_TIMEOUT_SECONDS = 240
STATEFUL_SCENARIOS = 40
STATEFUL_STEPS = 8
# The creating routes (`shared/links.py`) from whose 201 answers the stateful phase must follow at least one
# declared link. Schemathesis starts its scenarios only at 7 of the 13 (the other 6 take an id it cannot
# tell any operation produces), and with the valid bodies of schemathesis_hooks.py follows links from 6.
CREATING_ROUTES_FOLLOWED = 4


@dataclass(frozen=True)
class Documents:
    merged: dict[str, Any]  # as the gateway serves it
    own: dict[str, dict[str, Any]]  # service (or "gateway") -> its own document


@pytest.fixture
async def documents(make_settings: Any) -> AsyncIterator[Documents]:
    apps = {name: factory(await make_settings(name)) for name, factory in SERVICES.items()}
    # Built before serving (FastAPI keeps it): four services building theirs in this one event loop
    # could outlast the gateway's fetch timeout.
    own = {name: app.openapi() for name, app in apps.items()}
    async with AsyncExitStack() as stack:
        urls = {name: await stack.enter_async_context(serving(app)) for name, app in apps.items()}
        gateway = gateway_app(
            gateway_settings(await make_settings("gateway", **{f"{n}_url": u for n, u in urls.items()}))
        )
        door = await stack.enter_async_context(serve_gateway(gateway, with_token=False))
        answer = await door.get("/api/v1/openapi.json")
    assert answer.status_code == 200, answer.text
    yield Documents(answer.json(), own | {"gateway": gateway.openapi()})


async def test_the_merged_document_is_valid_openapi_and_every_ref_resolves(documents):
    merged = documents.merged
    assert "x-missing-services" not in merged
    validate(merged)
    unresolved = sorted({ref for ref in _refs(merged) if _target(merged, ref) is None})
    assert unresolved == []


async def test_every_operation_is_the_operation_of_the_service_answering_it(documents):
    merged, own = documents.merged, documents.own
    expected = {
        (path, method)
        for name, document in own.items()
        for path, method, _ in _operations(document)
        if (owner_of(path) or "gateway") == name
    }
    assert {(path, method) for path, method, _ in _operations(merged)} == expected
    different = []
    for path, method, operation in _operations(merged):
        owner = own[owner_of(path) or "gateway"]
        original = owner["paths"][path][method]
        for part in ("parameters", "requestBody", "responses"):
            if _dereferenced(operation.get(part), merged) != _dereferenced(original.get(part), owner):
                different.append(f"{method.upper()} {path}: {part}")
    assert different == []


async def test_a_placement_plan_lists_placement_moves_not_the_appraisal_monitorings(documents):
    merged, own = documents.merged, documents.own
    placement_moves = _answer_schema(merged, *PLACEMENT_MOVES)
    assert placement_moves == _answer_schema(own["mutation"], *PLACEMENT_MOVES)
    assert placement_moves != _answer_schema(merged, *MONITORING_MOVES)


async def test_fuzzing_every_operation_finds_no_server_error_and_no_answer_outside_its_schema(
    make_settings, tmp_path
):
    async with world(make_settings) as platform, serving(platform.gateway) as gateway_url:

        async def every_service_documented() -> bool:
            answer = await platform.door.get("/api/v1/openapi.json")
            return "x-missing-services" not in answer.json()

        # The first fetch can outlast the gateway's timeout: the services build their documents on demand.
        await eventually(every_service_documented, timeout=60, what="every service in the merged document")
        secret = platform.gateway.state.gateway.settings.token_secret.get_secret_value()
        # The stateful phase gets scenarios of its own: with the few examples per operation of the other
        # phases it would barely start following the services' links. It follows the links the services
        # declare, not those schemathesis infers: with those, every list operation is a place to start, and
        # the declared links were hardly ever followed.
        (tmp_path / "schemathesis.toml").write_text(
            f"[phases.stateful]\nmax-steps = {STATEFUL_STEPS}\n"
            f"[phases.stateful.inference]\nalgorithms = []\n"
            f"[phases.stateful.generation]\nmax-examples = {STATEFUL_SCENARIOS}\n"
        )
        process = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).with_name("schemathesis")),
            "run",
            gateway_url + "/api/v1/openapi.json",
            "--url",
            gateway_url,
            "--checks",
            "not_a_server_error,status_code_conformance,response_schema_conformance",
            "--phases",
            "examples,fuzzing,stateful",
            "--max-examples",
            str(EXAMPLES_PER_OPERATION),
            "--seed",
            "20261207",
            "--generation-database",
            "none",
            "--request-timeout",
            "20",
            "--workers",
            "2",
            "--no-color",
            "--report",
            "ndjson",
            "--report-ndjson-path",
            str(tmp_path / "events.ndjson"),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            cwd=tmp_path,
            env={
                **os.environ,
                "SCHEMATHESIS_HOOKS": str(HOOKS),
                "ASN_TOKEN_SECRET": secret,
                "ASN_FUZZ_WORLD": json.dumps(_known(platform)),
                "PYTHONPATH": os.pathsep.join(
                    filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])
                ),
            },
        )
        try:
            output, _ = await asyncio.wait_for(process.communicate(), FUZZING_TIMEOUT_SECONDS)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise
    text = output.decode(errors="replace")
    failures = text.find("FAILURES")
    assert process.returncode == 0, text[failures : failures + 8000] if failures >= 0 else text[-8000:]
    counts = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", text)
    assert counts is not None and len(set(counts.groups())) == 1, text[-3000:]
    stateful = _stateful_phase(tmp_path / "events.ndjson")
    print(
        f"stateful phase: {len(stateful.called)} operations called, {len(stateful.linked)} reached through a"
        f" link, {len(stateful.declared)} through a declared link ({len(stateful.sources)} creating routes),"
        f" {stateful.created} answers 201"
    )
    assert len(stateful.sources) >= CREATING_ROUTES_FOLLOWED, sorted(stateful.sources)


def _known(platform: World) -> dict[str, Any]:
    """What the hooks' valid bodies may name (`ASN_FUZZ_WORLD`): the world's agencies and, per side, its
    unit, its position and the people in it (the own side's last is the boss of the others)."""
    people = platform.people
    return {
        "agencies": sorted({side.agency for side in platform.sides.values()}),
        "sides": [
            {**vars(platform.sides[side]), "people": [people[name] for name in names]}
            for side, names in ((OWN_SIDE, ("self", "colleague", "boss")), (OTHER_SIDE, ("outsider",)))
        ],
    }


@dataclass
class Stateful:
    called: set[str]  # the operations the stateful phase called
    linked: set[str]  # ... called following a link, declared or inferred by schemathesis
    declared: set[str]  # ... called following a link the services declare
    sources: set[str]  # the operations whose declared links it followed
    created: int  # its answers 201


def _stateful_phase(report: Path) -> Stateful:
    """What the stateful phase did, from schemathesis's NDJSON report: one event a line, a finished scenario
    with every case it ran (and, when it followed a link, the transition: inferred or declared, and its id,
    `<source> -> [<status>] <link> -> <target>`) and every answer."""
    result = Stateful(set(), set(), set(), set(), 0)
    for line in report.read_text().splitlines():
        scenario = json.loads(line).get("ScenarioFinished")
        if scenario is None or scenario["phase"] != "stateful":
            continue
        recorder = scenario["recorder"]
        for case_id, case in recorder.get("cases", {}).items():
            operation = f"{case['value']['method']} {case['value']['path']}"
            result.called.add(operation)
            response = (recorder.get("interactions", {}).get(case_id) or {}).get("response") or {}
            result.created += response.get("status_code") == 201
            transition = case.get("transition")
            if case.get("is_transition_applied") and transition is not None:
                result.linked.add(operation)
                if not transition.get("is_inferred"):
                    result.declared.add(operation)
                    result.sources.add(transition["id"].split(" -> ", 1)[0])
    return result


def _operations(document: Mapping[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method]


def _answer_schema(document: Mapping[str, Any], path: str, method: str) -> Any:
    answer = document["paths"][path][method]["responses"]["200"]["content"]["application/json"]
    return _dereferenced(answer["schema"], document)


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _target(document: Mapping[str, Any], ref: str) -> Any:
    """What a local `$ref` (a JSON pointer within `document`) points to; None when nothing."""
    if not ref.startswith("#/"):
        return None
    node: Any = document
    for part in ref[2:].split("/"):
        key = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _dereferenced(node: Any, document: Mapping[str, Any], following: tuple[str, ...] = ()) -> Any:
    """`node` with every `$ref` replaced by what it points to, so that documents naming their schemas
    differently compare by meaning; a `$ref` back into a schema being followed becomes how far back."""
    if isinstance(node, list):
        return [_dereferenced(item, document, following) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return {key: _dereferenced(value, document, following) for key, value in node.items()}
    if ref in following:
        return {"$cycle": len(following) - following.index(ref)}
    target = _target(document, ref)
    assert isinstance(target, dict), f"{ref} points to nothing"
    besides = {key: value for key, value in node.items() if key != "$ref"}
    return _dereferenced({**target, **besides}, document, (*following, ref))
