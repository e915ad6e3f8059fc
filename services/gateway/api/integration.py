"""The integration documents: the merged OpenAPI of every service, and the AsyncAPI of every event."""

from typing import Any

from fastapi import APIRouter

from services.gateway.api.deps import GatewayDep

router = APIRouter(prefix="/api/v1", tags=["integration"])


@router.get("/openapi.json")
async def openapi(gateway: GatewayDep) -> dict[str, Any]:
    """OpenAPI 3.1 of the whole platform's /api/v1, as reached through this gateway (cached a minute)."""
    return await gateway.docs.openapi()


@router.get("/asyncapi.json")
async def asyncapi(gateway: GatewayDep) -> dict[str, Any]:
    """AsyncAPI 3.0 of every event the platform publishes (the payloads webhooks deliver)."""
    return gateway.docs.asyncapi()
