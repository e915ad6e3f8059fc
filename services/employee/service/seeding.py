"""The demo seed: writes a generated province (`services.employee.demo`) through the service's own use cases
and bulk paths, in one transaction, so every record leaves its events in the outbox as an import would.

Seeding a database that already holds the province adds nothing, whatever size or seed was asked for.
"""

from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import Any

from services.employee.adapters import bulk
from services.employee.adapters import organisation as repository
from services.employee.demo import siasn as siasn_demo
from services.employee.demo.generator import DemoProvince
from services.employee.domain.organisation import appoint_head
from services.employee.domain.workload import TaskList
from services.employee.service import exchange, organisation, workload
from services.employee.siasn.adapters import identities
from services.employee.siasn.service.identities import identity_event
from shared.uow import UnitOfWork

SEEDED = "data awal demo"  # the reason the position history gives for a seeded placement


async def seed_province(unit_of_work: Callable[[], UnitOfWork], province: DemoProvince) -> dict[str, Any]:
    """Write the province unless its agency exists; returns what was added (all zero when nothing was).

    `unit_of_work` must make enclosed units (`UnitOfWork(..., enclosed=True)`): the use cases' commits only
    stage their events, and the whole province is committed at the end or not at all."""
    async with unit_of_work() as uow:
        if await repository.get_agency(uow.connection, province.province_code) is not None:
            return {"agencies": 0, "units": 0, "positions": 0, "employees": 0, "siasn_links": 0}
        for agency in province.agencies:
            await organisation.define_agency(
                uow, code=agency.code, name=agency.name, kind=agency.kind, province_code=agency.province_code
            )
        await exchange.define_units(uow, province.units)
        units = {unit.id: unit for unit in province.units}
        positions = {position.id: position for position in province.positions}
        assessed_at = datetime.combine(province.as_of, time(), UTC)
        task_lists = {
            position_id: TaskList(position_id, tuple(tasks), 1, assessed_at)
            for position_id, tasks in province.tasks.items()
        }
        await exchange.define_positions(
            uow,
            province.positions,
            heads=[appoint_head(units[unit], positions[head]) for unit, head in province.heads.items()],
            task_lists=task_lists,
        )
        await exchange.register_employees(
            uow,
            [d.employee for d in province.employees],
            reason=SEEDED,
            histories=[bulk.History(d.placements[:-1], d.ranks[:-1]) for d in province.employees],
        )
        await workload.announce_workloads(
            uow, [(positions[position_id], task_list) for position_id, task_list in task_lists.items()]
        )
        # The province agency has been synchronised with SIASN (services.employee.demo.siasn, which `make dev`
        # serves as SIASN): its records carry their SIASN ids.
        links = list(siasn_demo.links(province))
        for link in links:
            await identities.set_siasn_id(uow.connection, link.kind, link.ref, link.siasn_id)
            record = await identities.find(uow.connection, link.kind, link.ref)
            if record is not None:
                uow.publish(identity_event(record))
        await uow.complete()
    return {
        "agencies": len(province.agencies),
        "units": len(province.units),
        "positions": len(province.positions),
        "employees": len(province.employees),
        "siasn_links": len(links),
    }
