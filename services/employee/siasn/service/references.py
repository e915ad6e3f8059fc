"""Use cases of SIASN's reference data: fetch the agency's ref-unor and the referensi lists a mapping page
offers (SIASN units and positions by name) and keep them as last fetched; read them back by name."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from services.employee.siasn.adapters import references as repository
from services.employee.siasn.adapters.client import SiasnClient, SiasnError
from services.employee.siasn.adapters.references import Reference
from services.employee.siasn.service.connection import problem_of
from shared import clock
from shared.uow import UnitOfWork

REF_UNOR = "ref-unor"
REFERENSI_LISTS = (
    "golongan",
    "jenis-jabatan",
    "eselon",
    "jabatan-fungsional",
    "jabatan-fungsional-umum",
    "pendidikan",
)
LISTS = (REF_UNOR, *REFERENSI_LISTS)

# SIASN writes ref-unor in PascalCase and the referensi lists in camelCase (SIASN.md §2); other spellings seen
# in clients are accepted too. An entry without an id is skipped.
_ID_KEYS = ("Id", "id", "ID")
_NAME_KEYS = ("NamaUnor", "nama", "Nama", "name", "namaJabatan", "NamaJabatan")
_PARENT_KEYS = ("DiatasanId", "diatasanId")


async def refresh(uow: UnitOfWork, siasn: SiasnClient) -> dict[str, int]:
    """Fetch every list, then replace the kept ones in one transaction: entries kept per list."""
    try:
        fetched: dict[str, list[dict[str, Any]]] = {REF_UNOR: await siasn.ref_unor()}
        for name in REFERENSI_LISTS:
            fetched[name] = await siasn.referensi(name)
    except SiasnError as error:
        raise problem_of(error) from error
    now = clock.now()
    kept: dict[str, int] = {}
    for name, items in fetched.items():
        entries = _entries(name, items, now)
        await repository.replace_list(uow.connection, name, entries)
        kept[name] = len(entries)
    await uow.commit()
    return kept


async def search(
    connection: AsyncConnection, name: str, *, contains: str | None, limit: int, after: tuple[str, str] | None
) -> list[Reference]:
    return await repository.search(connection, name, contains=contains, limit=limit, after=after)


def _entries(name: str, items: list[dict[str, Any]], fetched_at: Any) -> list[Reference]:
    entries: dict[str, Reference] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        entry_id = _first(item, _ID_KEYS)
        if entry_id is None:
            continue
        entries[entry_id] = Reference(
            list=name,
            id=entry_id,
            name=(_first(item, _NAME_KEYS) or entry_id)[:300],
            parent_id=_first(item, _PARENT_KEYS),
            data=item,
            fetched_at=fetched_at,
        )
    return list(entries.values())


def _first(item: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = item.get(key)
        if value is not None and str(value).strip():
            return str(value).strip()
    return None
