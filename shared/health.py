"""`/health` (the process lives) and `/ready` (its database and broker answer, its loops run)."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from shared.deps import RuntimeDep
from shared.problems import problem_response

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/ready", response_model=None)
async def ready(runtime: RuntimeDep) -> dict[str, Any] | JSONResponse:
    """Readiness: the database and the broker are reachable and the background loops run."""
    checks = await runtime.readiness()
    if all(checks.values()):
        return {"status": "ready", "checks": checks}
    failing = ", ".join(name for name, ok in checks.items() if not ok)
    response = problem_response(503, "not-ready", "Not ready", f"failing: {failing}")
    return response
