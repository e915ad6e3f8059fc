"""A value the database cannot hold (PostgreSQL refuses NUL in text) is the caller's input: 422, not 500."""

import pytest

from services.mutation.app import create_app
from shared.testing import serve_in_process

pytestmark = pytest.mark.integration


async def test_a_nul_character_in_a_request_is_refused_as_invalid_input_and_changes_nothing(make_settings):
    app = create_app(await make_settings("mutation"))
    async with serve_in_process(app) as client:
        body = '{"nip": "198503122010011001", "target_position_id": "x\\u0000y", "reason": "rotasi"}'
        response = await client.post(
            "/api/v1/mutations", content=body, headers={"content-type": "application/json"}
        )
        assert 400 <= response.status_code < 500, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        listed = await client.get("/api/v1/mutations")
        assert listed.status_code == 200
        assert listed.json()["items"] == []
