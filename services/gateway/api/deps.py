"""Dependencies of the gateway's own routes."""

from typing import Annotated

from fastapi import Depends, Request

from services.gateway.service.tokens import Session
from services.gateway.state import GatewayState
from shared.errors import Unauthorized


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
