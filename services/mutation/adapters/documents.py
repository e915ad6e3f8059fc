"""Files of proposals and decrees, stored under `settings.var_dir/mutation/` by a content-independent key,
with their SHA-256, and the rows of a proposal's documents. A file is written before the row that names it and
removed again if that row's transaction fails, so a row never names a missing file."""

import hashlib
import os
import uuid
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mutation.adapters.tables import documents
from services.mutation.domain.documents import Document, DocumentKind


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"storage key {key!r} leaves the store")
        return path

    def put(self, folder: str, content: bytes, suffix: str = "") -> tuple[str, str]:
        """Store `content`; returns (key, sha256). Written to a temporary name and renamed, so a reader never
        sees half a file."""
        key = f"{folder}/{uuid.uuid4().hex}{suffix}"
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        with partial.open("wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        partial.replace(path)
        return key, hashlib.sha256(content).hexdigest()

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def discard(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _document_of(row: Any) -> Document:
    return Document(
        row.id,
        row.proposal_id,
        DocumentKind(row.kind),
        row.filename,
        row.content_type,
        row.size,
        row.sha256,
        row.storage_key,
        row.uploaded_by,
        row.uploaded_at,
    )


async def record(connection: AsyncConnection, document: Document) -> None:
    await connection.execute(insert(documents).values(**{**vars(document), "kind": document.kind.value}))


async def documents_of(connection: AsyncConnection, proposal_id: UUID) -> list[Document]:
    rows = await connection.execute(
        select(documents).where(documents.c.proposal_id == proposal_id).order_by(documents.c.uploaded_at)
    )
    return [_document_of(row) for row in rows]


async def document(connection: AsyncConnection, proposal_id: UUID, document_id: UUID) -> Document | None:
    found = select(documents).where(documents.c.id == document_id, documents.c.proposal_id == proposal_id)
    row = (await connection.execute(found)).first()
    return None if row is None else _document_of(row)


async def kinds_in_file(connection: AsyncConnection, proposal_id: UUID) -> set[str]:
    """The kinds of document a proposal's file holds."""
    rows = await connection.scalars(select(documents.c.kind).where(documents.c.proposal_id == proposal_id))
    return set(rows)
