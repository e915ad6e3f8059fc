"""Dependencies of the gateway's own routes."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from services.gateway.service.tokens import Session
from services.gateway.state import GatewayState
from shared.errors import FieldProblem, InvalidInput, Unauthorized
from shared.pagination import decode_cursor


def get_gateway(request: Request) -> GatewayState:
    state: GatewayState = request.app.state.gateway
    return state


def get_session(request: Request) -> Session:
    """The caller's verified access token, as the edge left it."""
    session: Session | None = getattr(request.state, "session", None)
    if session is None:
        raise Unauthorized("sign in first: this call needs a bearer access token")
    return session


def get_internal_token(request: Request) -> str:
    token: str | None = getattr(request.state, "internal_token", None)
    if token is None:
        raise Unauthorized("sign in first: this call needs a bearer access token")
    return token


GatewayDep = Annotated[GatewayState, Depends(get_gateway)]
SessionDep = Annotated[Session, Depends(get_session)]
InternalTokenDep = Annotated[str, Depends(get_internal_token)]


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
