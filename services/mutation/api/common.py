"""What the mutation routes share: field types, the file store, file downloads."""

import base64
from typing import Annotated

from fastapi import Depends
from pydantic import StringConstraints

from services.mutation.adapters.documents import FileStore
from shared.deps import RuntimeDep

# Defined in shared; named here too for the routes that import them from this module.
from shared.etag import IfMatch as IfMatch
from shared.inputs import Nip as Nip

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def get_store(runtime: RuntimeDep) -> FileStore:
    """Documents and decrees live under the service's var directory (a volume in production)."""
    return FileStore(runtime.settings.var_dir / "mutation")


StoreDep = Annotated[FileStore, Depends(get_store)]


def file_headers(filename: str, sha256: str) -> dict[str, str]:
    """A download names its file and carries its recorded SHA-256 (RFC 9530 `Repr-Digest`)."""
    digest = base64.b64encode(bytes.fromhex(sha256)).decode()
    safe = filename.replace('"', "").encode("ascii", "replace").decode()
    return {
        "Content-Disposition": f'attachment; filename="{safe}"',
        "Repr-Digest": f"sha-256=:{digest}:",
        "ETag": f'"{sha256}"',
    }
