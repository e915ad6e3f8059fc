from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from uuid import uuid4

import pytest

from services.employee.domain.workload import (
    EFFECTIVE_HOURS,
    EfficiencyBand,
    Staffing,
    Task,
    TaskList,
    Workload,
    band_of,
    position_workload,
    replace_tasks,
    rounded,
    totals_by,
    unit_workloads,
    whole_persons,
    workload_minutes,
)
from shared.errors import InvalidInput

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 25, tzinfo=UTC)


def task(volume: str, norm: str, name: str = "Menyusun usulan mutasi") -> Task:
    return Task(name, Decimal(volume), "dokumen", Decimal(norm))


def test_workload_is_the_sum_of_volume_times_norm_in_hours():
    tasks = [task("120", "30"), task("12", "150"), task("2.5", "7.5")]
    minutes = workload_minutes(tasks)
    assert minutes == Decimal("5418.75")
    assert position_workload(minutes, present=0).hours == Fraction(541875, 6000)


def test_staff_needed_is_the_workload_over_1250_hours_rounded_half_up():
    assert EFFECTIVE_HOURS == 1250
    one_and_a_half = position_workload(Decimal(1875 * 60), present=1)
    assert one_and_a_half.staff_needed_exact == Fraction(3, 2)
    assert one_and_a_half.staff_needed == 2
    just_below = position_workload(Decimal("1874.99") * 60, present=1)
    assert just_below.staff_needed == 1
    assert whole_persons(Fraction(1, 2)) == 1
    assert whole_persons(Fraction(49, 100)) == 0
    assert whole_persons(Fraction(0)) == 0


def test_gap_and_efficiency_compare_the_need_with_the_present_staff():
    workload = position_workload(Decimal(2500 * 60), present=3)
    assert (workload.staff_needed, workload.present, workload.gap) == (2, 3, -1)
    assert workload.efficiency == Fraction(2, 3)
    assert workload.band is EfficiencyBand.D
    assert workload.staffing is Staffing.OVER
    assert not workload.unstaffed


def test_the_staffing_follows_the_sign_of_the_gap():
    assert Workload(Fraction(3750), staff_needed=3, present=1).staffing is Staffing.UNDER
    assert Workload(Fraction(1250), staff_needed=1, present=1).staffing is Staffing.BALANCED
    assert Workload(Fraction(0), staff_needed=0, present=2).staffing is Staffing.OVER


def test_a_position_nobody_holds_has_no_efficiency_and_is_flagged_unstaffed():
    workload = position_workload(Decimal(1300 * 60), present=0)
    assert workload.unstaffed
    assert workload.efficiency is None
    assert workload.band is None
    assert workload.gap == workload.staff_needed == 1
    assert workload.staffing is Staffing.UNDER


TINY = Fraction(1, 10**9)


@pytest.mark.parametrize(
    ("efficiency", "band"),
    [
        (Fraction(3), EfficiencyBand.A),
        (1 + TINY, EfficiencyBand.A),
        (Fraction(1), EfficiencyBand.B),
        (Fraction(90, 100), EfficiencyBand.B),
        (Fraction(90, 100) - TINY, EfficiencyBand.C),
        (Fraction(89, 100), EfficiencyBand.C),
        (Fraction(70, 100), EfficiencyBand.C),
        (Fraction(70, 100) - TINY, EfficiencyBand.D),
        (Fraction(69, 100), EfficiencyBand.D),
        (Fraction(50, 100), EfficiencyBand.D),
        (Fraction(50, 100) - TINY, EfficiencyBand.E),
        (Fraction(0), EfficiencyBand.E),
    ],
)
def test_bands_follow_the_regulation_boundaries(efficiency, band):
    assert band_of(efficiency) is band


@pytest.mark.parametrize(
    ("hours", "band", "label"),
    [
        (1251, EfficiencyBand.A, "Sangat Baik"),
        (1250, EfficiencyBand.B, "Baik"),
        (1125, EfficiencyBand.B, "Baik"),
        (1124, EfficiencyBand.C, "Cukup"),
        (875, EfficiencyBand.C, "Cukup"),
        (874, EfficiencyBand.D, "Sedang"),
        (625, EfficiencyBand.D, "Sedang"),
        (624, EfficiencyBand.E, "Kurang"),
    ],
)
def test_one_person_s_band_from_the_hours_of_work(hours, band, label):
    workload = position_workload(Decimal(hours * 60), present=1)
    assert workload.band is band
    assert band.label == label


def test_figures_sum_over_positions():
    a = position_workload(Decimal(1875 * 60), present=1)  # needs 2 (1.5)
    b = position_workload(Decimal(1875 * 60), present=2)  # needs 2 (1.5)
    total = a + b
    assert total.hours == 3750
    assert total.staff_needed == 4  # whole persons per position, not round(3.0)
    assert total.staff_needed_exact == 3
    assert (total.present, total.gap) == (3, 1)
    assert total.efficiency == 1
    assert total.band is EfficiencyBand.B


def test_units_roll_up_their_sub_units_and_leave_out_units_without_positions():
    dinas, bidang_a, seksi_a1, bidang_b, empty = (uuid4() for _ in range(5))
    tree = {dinas: None, bidang_a: dinas, seksi_a1: bidang_a, bidang_b: dinas, empty: dinas}
    kepala_seksi = position_workload(Decimal(1250 * 60), present=1)
    analis = position_workload(Decimal(2500 * 60), present=1)
    pengelola = position_workload(Decimal(625 * 60), present=2)

    units = unit_workloads(tree, [(seksi_a1, kepala_seksi), (bidang_a, analis), (bidang_b, pengelola)])

    assert units[seksi_a1] == kepala_seksi
    assert units[bidang_a] == kepala_seksi + analis
    assert units[bidang_b] == pengelola
    assert units[dinas] == kepala_seksi + analis + pengelola
    assert empty not in units
    assert units[dinas].hours == 4375
    assert (units[dinas].staff_needed, units[dinas].present, units[dinas].gap) == (4, 4, 0)
    assert units[dinas].efficiency == Fraction(4375, 5000)
    assert units[dinas].band is EfficiencyBand.C
    assert units[bidang_b].band is EfficiencyBand.E


def test_figures_sum_per_agency():
    a = position_workload(Decimal(1250 * 60), present=1)
    b = position_workload(Decimal(625 * 60), present=0)
    assert totals_by([("7601", a), ("7602", b), ("7601", b)]) == {"7601": a + b, "7602": b}


def test_a_new_task_list_replaces_the_old_one_and_counts_a_version():
    position_id = uuid4()
    first = replace_tasks(TaskList(position_id, (), 0, None), [task("10", "60")], at=NOW)
    assert (first.version, first.assessed_at, len(first.tasks)) == (1, NOW, 1)
    second = replace_tasks(first, [], at=NOW)
    assert (second.version, second.tasks) == (2, ())


def test_a_task_may_have_no_volume_this_year():
    replaced = replace_tasks(TaskList(uuid4(), (), 0, None), [task("0", "30")], at=NOW)
    assert workload_minutes(replaced.tasks) == 0


def test_negative_volumes_and_norms_that_are_not_positive_are_refused_naming_each():
    with pytest.raises(InvalidInput) as refused:
        replace_tasks(
            TaskList(uuid4(), (), 0, None),
            [task("10", "30"), task("-1", "30"), task("5", "0"), task("5", "-2.5")],
            at=NOW,
        )
    assert [p.field for p in refused.value.errors] == [
        "tasks.1.yearly_volume",
        "tasks.2.time_norm_minutes",
        "tasks.3.time_norm_minutes",
    ]


def test_figures_are_shown_rounded_half_up():
    assert rounded(Fraction(1, 8), 2) == Decimal("0.13")
    assert rounded(Fraction(2, 3), 4) == Decimal("0.6667")
    assert rounded(Fraction(90), 2) == Decimal("90.00")
