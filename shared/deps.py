"""FastAPI dependencies every service's routes use to reach its runtime."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.runtime import ServiceRuntime
from shared.uow import UnitOfWork


def get_runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]


async def get_connection(runtime: RuntimeDep) -> AsyncIterator[AsyncConnection]:
    """A connection for reads; writes go through a unit of work."""
    async with runtime.db.connect() as connection:
        yield connection


async def get_uow(runtime: RuntimeDep) -> AsyncIterator[UnitOfWork]:
    async with runtime.uow() as uow:
        yield uow


ConnectionDep = Annotated[AsyncConnection, Depends(get_connection)]
UowDep = Annotated[UnitOfWork, Depends(get_uow)]
