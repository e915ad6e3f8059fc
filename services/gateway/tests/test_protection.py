"""The door's protection: per-caller rate limits, body-size limits, CORS for the configured origins,
security headers, and no internals in any answer."""

import httpx
import pytest

from services.gateway.app import create_app
from services.gateway.settings import gateway_settings
from services.gateway.tests.support import access_headers
from shared.principal import Principal, Role
from shared.testing import principal, serving

pytestmark = pytest.mark.integration

FRONT_END = "https://simpeg.sulbarprov.go.id"


async def echo(scope, receive, send):
    if scope["type"] != "http":
        return
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": b'{"size": %d}' % size})


@pytest.fixture
async def door(make_settings):
    async with serving(echo) as upstream:
        settings = gateway_settings(
            await make_settings(
                "gateway", employee_url=upstream, appraisal_url=upstream, mutation_url=upstream
            ),
            rate_limit_per_minute=60,
            rate_limit_burst=5,
            max_body_bytes=1000,
            upload_limits={"/api/v1/employees/imports": 5000, "/api/v1/mutations/*/documents": 3000},
            cors_origins=(FRONT_END,),
        )
        app = create_app(settings)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client,
        ):
            client.gateway_app = app
            yield client


async def test_a_caller_over_its_rate_gets_429_with_retry_after_and_others_are_not_slowed(door):
    busy = access_headers(door.gateway_app, principal("hr_officer", agencies=["7601"], subject="busy"))
    calm = access_headers(door.gateway_app, principal("hr_officer", agencies=["7601"], subject="calm"))
    answers = [await door.get("/api/v1/employees/1", headers=busy) for _ in range(7)]
    assert [a.status_code for a in answers[:5]] == [200] * 5
    limited = answers[-1]
    assert limited.status_code == 429
    assert limited.headers["content-type"] == "application/problem+json"
    assert int(limited.headers["retry-after"]) >= 1
    assert (await door.get("/api/v1/employees/1", headers=calm)).status_code == 200


async def test_too_large_bodies_are_refused_before_they_reach_a_service(door):
    headers = access_headers(door.gateway_app)
    ok = await door.post("/api/v1/employees", content=b"x" * 1000, headers=headers)
    assert ok.status_code == 200 and ok.json() == {"size": 1000}
    declared = await door.post("/api/v1/employees", content=b"x" * 1001, headers=headers)
    assert declared.status_code == 413 and declared.json()["type"] == "/problems/payload-too-large"

    async def chunks():
        for _ in range(3):
            yield b"x" * 600

    streamed = await door.post("/api/v1/employees", content=chunks(), headers=headers)
    assert streamed.status_code == 413
    upload = await door.post("/api/v1/employees/imports", content=b"x" * 4000, headers=headers)
    assert upload.status_code == 200 and upload.json() == {"size": 4000}
    # Each upload route has its own limit; `*` is one path segment.
    document = "/api/v1/mutations/4f9a1c2e-0000-4000-8000-000000000000/documents"
    assert (await door.post(document, content=b"x" * 3000, headers=headers)).status_code == 200
    assert (await door.post(document, content=b"x" * 3001, headers=headers)).status_code == 413
    assert (
        await door.post("/api/v1/employees/importsx", content=b"x" * 1001, headers=headers)
    ).status_code == 413


async def test_cors_answers_the_configured_front_end_only(door):
    preflight = await door.options(
        "/api/v1/employees",
        headers={
            "origin": FRONT_END,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == FRONT_END
    foreign = await door.options(
        "/api/v1/employees",
        headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
    )
    assert foreign.status_code == 400 and "access-control-allow-origin" not in foreign.headers
    simple = await door.get(
        "/api/v1/employees/1", headers={"origin": FRONT_END, **access_headers(door.gateway_app)}
    )
    assert simple.headers["access-control-allow-origin"] == FRONT_END


async def test_every_answer_carries_security_headers_and_no_internals(door):
    for response in (
        await door.get("/api/v1/employees/1", headers=access_headers(door.gateway_app)),
        await door.get("/api/v1/employees/1"),
        await door.get("/api/v1/nothing-here", headers=access_headers(door.gateway_app)),
        await door.get("/health"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "traceback" not in response.text.lower() and "127.0.0.1" not in response.text
    api = await door.get("/api/v1/employees/1", headers=access_headers(door.gateway_app))
    assert api.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    https = await door.get(
        "/api/v1/employees/1", headers={"x-forwarded-proto": "https", **access_headers(door.gateway_app)}
    )
    assert https.headers["strict-transport-security"].startswith("max-age=")


async def test_the_door_refuses_a_role_that_can_never_do_it_before_the_service_is_asked(door):
    auditor = access_headers(door.gateway_app, Principal("audit", frozenset({Role.AUDITOR}), None))
    refused = await door.post("/api/v1/employees", json={}, headers=auditor)
    assert refused.status_code == 403 and refused.json()["type"] == "/problems/role-required"
    assert (await door.get("/api/v1/employees/1", headers=auditor)).status_code == 200


async def test_an_unchanged_resource_answers_304_to_if_none_match(make_settings):
    async def tagged(scope, receive, send):
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": [(b"etag", b'W/"3"')]})
        await send({"type": "http.response.body", "body": b'{"version": 3}'})

    async with serving(tagged) as upstream:
        app = create_app(await make_settings("gateway", employee_url=upstream))
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client,
        ):
            headers = access_headers(app)
            fresh = await client.get("/api/v1/employees/1", headers=headers)
            assert fresh.status_code == 200 and fresh.headers["etag"] == 'W/"3"'
            same = await client.get("/api/v1/employees/1", headers={**headers, "if-none-match": 'W/"3"'})
            assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == 'W/"3"'
            changed = await client.get("/api/v1/employees/1", headers={**headers, "if-none-match": 'W/"2"'})
            assert changed.status_code == 200
