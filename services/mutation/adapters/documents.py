"""Files of proposals and decrees, stored under `settings.var_dir/mutation/` by a content-independent key,
with their SHA-256. A file is written before the row that names it and removed again if that row's
transaction fails, so a row never names a missing file."""

import hashlib
import os
import uuid
from pathlib import Path


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
