"""The platform's one source of "now" and "today".

Business time (TMT dates, SLAs, appraisal periods, JP years, certificates, record timestamps) is read here and
nowhere else, so a test can pin it and give the same result on any day the suite runs. Security time (the
expiry of access and internal tokens) stays on the real clock: a pinned business clock must never make a
token valid or expired.

A pin is a starting instant that then advances with real time, so timeouts, waits and ordering by timestamp
keep working. A process is pinned by `pin()` (tests running apps in-process) or by the setting
`ASN_CLOCK_START` (processes a test starts: `ServiceRuntime` applies it); production refuses that setting.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone

# Calendar dates of the platform (TMT, training days, JP years) are Indonesian dates; the national reference
# time is WIB (UTC+7), in which the provincial and most central offices work.
WIB = timezone(timedelta(hours=7), "WIB")

_offset = timedelta(0)


def now() -> datetime:
    """The current instant, in UTC."""
    return datetime.fromtimestamp(time.time(), UTC) + _offset


def today() -> date:
    """Today's date in Indonesia (WIB)."""
    return now().astimezone(WIB).date()


def pin(start: datetime) -> None:
    """From now on the clock reads `start` and advances from there (an aware datetime)."""
    global _offset
    if start.tzinfo is None:
        raise ValueError("the clock is pinned to an aware datetime (with its UTC offset)")
    _offset = start - datetime.fromtimestamp(time.time(), UTC)


def unpin() -> None:
    global _offset
    _offset = timedelta(0)


@contextmanager
def pinned(start: datetime) -> Iterator[None]:
    """The clock pinned to `start` inside the block, as it was after it."""
    global _offset
    before = _offset
    pin(start)
    try:
        yield
    finally:
        _offset = before
