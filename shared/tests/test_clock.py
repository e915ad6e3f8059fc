"""The business clock (shared.clock): a pin starts it at an instant from which it advances; today is the date
in Indonesia (WIB), which runs seven hours ahead of UTC; production refuses a pinned clock."""

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from shared import clock
from shared.settings import Settings

pytestmark = pytest.mark.unit


def test_a_pinned_clock_starts_at_its_instant_and_advances():
    start = datetime(2027, 2, 28, 16, 59, 59, tzinfo=UTC)
    with clock.pinned(start):
        first = clock.now()
        # Advancing: a later reading exceeds the first, which the real clock gives within its resolution.
        deadline = time.monotonic() + 2
        while (later := clock.now()) == first and time.monotonic() < deadline:
            pass
    assert timedelta(0) <= first - start < timedelta(seconds=1)
    assert later > first


def test_today_is_the_date_in_indonesia_not_in_utc():
    with clock.pinned(datetime(2027, 12, 31, 16, 59, tzinfo=UTC)):
        assert clock.today() == date(2027, 12, 31)  # 23:59 WIB
    with clock.pinned(datetime(2027, 12, 31, 17, 1, tzinfo=UTC)):
        assert clock.today() == date(2028, 1, 1)  # 00:01 WIB: a new year in Jakarta, still 2027 in UTC
    with clock.pinned(datetime(2028, 2, 29, 3, 0, tzinfo=clock.WIB)):
        assert clock.today() == date(2028, 2, 29)


def test_a_pin_ends_with_its_block_and_needs_an_offset():
    before = clock.now()
    with clock.pinned(datetime(2030, 1, 1, tzinfo=UTC)):
        assert clock.now().year == 2030
    assert abs(clock.now() - before) < timedelta(minutes=1)
    with pytest.raises(ValueError):
        clock.pin(datetime(2030, 1, 1))


def test_production_refuses_a_pinned_clock():
    start = datetime(2027, 1, 4, 8, tzinfo=clock.WIB)
    assert Settings(environment="test", clock_start=start).clock_start == start
    with pytest.raises(ValidationError, match="ASN_CLOCK_START"):
        Settings(environment="production", internal_token_secret="s" * 40, clock_start=start)
    with pytest.raises(ValidationError, match="UTC offset"):
        Settings(environment="test", clock_start=datetime(2027, 1, 4, 8))
