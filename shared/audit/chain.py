"""The hash chain of an audit log: every entry carries the hash of the one before it, so changing or deleting
any row breaks the chain from that row on. Pure: `shared.audit.store` keeps the entries, this module computes
and verifies the hashes."""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class Entry:
    seq: int
    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    agency_code: str | None
    data: Mapping[str, Any]
    prev_hash: str
    hash: str


def canonical(
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    agency_code: str | None,
    data: Mapping[str, Any],
) -> bytes:
    """Sorted keys, no spaces, timestamps in ISO 8601 UTC: the same entry always gives the same bytes."""
    body = {
        "seq": seq,
        "at": at.isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "agency_code": agency_code,
        "data": data,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def chain_hash(prev_hash: str, payload: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + payload).hexdigest()


def seal(
    seq: int,
    prev_hash: str,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    agency_code: str | None,
    data: Mapping[str, Any],
) -> Entry:
    payload = canonical(seq, at, actor, action, subject_type, subject_id, agency_code, data)
    return Entry(
        seq,
        at,
        actor,
        action,
        subject_type,
        subject_id,
        agency_code,
        data,
        prev_hash,
        chain_hash(prev_hash, payload),
    )


@dataclass(frozen=True)
class Verification:
    valid: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None
    head_seq: int = 0
    head_hash: str = GENESIS


class ChainCheck:
    """Walks the chain one entry at a time (the log can be longer than memory allows to hold)."""

    def __init__(self, *, head_seq: int, head_hash: str) -> None:
        self.head_seq, self.head_hash = head_seq, head_hash
        self.expected_seq, self.prev, self.checked = 1, GENESIS, 0
        self.failure: Verification | None = None

    def _bad(self, seq: int, problem: str) -> Verification:
        self.failure = Verification(False, self.checked, seq, problem, self.head_seq, self.head_hash)
        return self.failure

    def add(self, entry: Entry) -> Verification | None:
        """None while the chain holds; the failure naming the first bad row otherwise."""
        if self.failure is not None:
            return self.failure
        if entry.seq != self.expected_seq:
            return self._bad(self.expected_seq, f"row {self.expected_seq} is missing")
        if entry.prev_hash != self.prev:
            return self._bad(entry.seq, f"row {entry.seq} does not link to row {entry.seq - 1}")
        payload = canonical(
            entry.seq,
            entry.at,
            entry.actor,
            entry.action,
            entry.subject_type,
            entry.subject_id,
            entry.agency_code,
            entry.data,
        )
        if chain_hash(self.prev, payload) != entry.hash:
            return self._bad(entry.seq, f"row {entry.seq} was altered after it was written")
        self.checked += 1
        self.prev, self.expected_seq = entry.hash, self.expected_seq + 1
        return None

    def result(self) -> Verification:
        """Rows deleted at the end are caught against the head (the last number and hash written)."""
        if self.failure is not None:
            return self.failure
        if self.expected_seq - 1 != self.head_seq or self.prev != self.head_hash:
            return self._bad(
                self.expected_seq, f"rows from {self.expected_seq} to {self.head_seq} are missing"
            )
        return Verification(True, self.checked, None, None, self.head_seq, self.head_hash)


def verify(entries: Iterable[Entry], *, head_seq: int, head_hash: str) -> Verification:
    """Walk the chain in order; the first row whose number, link or content does not match is named."""
    check = ChainCheck(head_seq=head_seq, head_hash=head_hash)
    for entry in entries:
        if check.add(entry) is not None:
            break
    return check.result()
