"""Schemathesis hooks for fuzzing the gateway (`tests/test_merged_openapi.py`): every request carries an
access token of its own for a national administrator, minted with the gateway's signing secret (the
environment's `ASN_TOKEN_SECRET`), so that no request the fuzzer sends - a logout, a password change, an
account disabled - ends the sign-in of the requests after it."""

import uuid
from typing import Any

import schemathesis

from services.gateway.service.tokens import AccessTokens
from services.gateway.settings import GatewaySettings
from shared.principal import Principal, Role

ADMINISTRATOR = Principal(subject="fuzzer", roles=frozenset({Role.ADMIN}), agencies=None, name="Fuzzer")
TOKENS = AccessTokens(GatewaySettings(service="gateway"))


@schemathesis.auth(refresh_interval=None)
class FreshAccessToken:
    def get(self, case: Any, context: Any) -> str:
        return TOKENS.issue(ADMINISTRATOR, uuid.uuid4())

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}
