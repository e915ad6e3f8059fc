import pytest

from services.appraisal.domain.distribution import (
    OrganisationPredicate,
    check_distribution,
    distribution,
)
from services.appraisal.domain.predicate import Predicate

pytestmark = pytest.mark.unit

SB, B, BP, K, SK = (
    Predicate.SANGAT_BAIK,
    Predicate.BAIK,
    Predicate.BUTUH_PERBAIKAN,
    Predicate.KURANG,
    Predicate.SANGAT_KURANG,
)
ISTIMEWA, BAIK, BUTUH_PERBAIKAN, KURANG, SANGAT_KURANG = OrganisationPredicate


def people(**counts: int) -> list[Predicate]:
    return [Predicate(name) for name, n in counts.items() for _ in range(n)]


def broken(organisation: OrganisationPredicate, predicates: list[Predicate]) -> dict[str, tuple[int, int]]:
    """rule -> (allowed, actual) of every violation."""
    return {v.rule: (v.allowed, v.actual) for v in check_distribution(organisation, predicates)}


# Istimewa: a majority and at most 70% Sangat Baik.
def test_istimewa_allows_up_to_70_percent_sangat_baik():
    assert broken(ISTIMEWA, people(sangat_baik=7, baik=3)) == {}
    assert broken(ISTIMEWA, people(sangat_baik=8, baik=2)) == {"istimewa-max-sangat-baik": (7, 8)}
    # 70% of 4 is 2.8: at most 2 people.
    assert broken(ISTIMEWA, people(sangat_baik=3, baik=1)) == {"istimewa-max-sangat-baik": (2, 3)}


# Baik: a majority and at most 70% Baik, and some (at least one) Butuh Perbaikan/Kurang.
def test_baik_allows_up_to_70_percent_baik_with_someone_below():
    assert broken(BAIK, people(sangat_baik=2, baik=7, butuh_perbaikan=1)) == {}
    assert broken(BAIK, people(sangat_baik=1, baik=7, kurang=1, sangat_kurang=1)) == {}
    assert broken(BAIK, people(baik=8, butuh_perbaikan=2)) == {"baik-max-baik": (7, 8)}


def test_baik_needs_at_least_one_butuh_perbaikan_or_kurang():
    assert broken(BAIK, people(sangat_baik=3, baik=7)) == {"baik-some-butuh-perbaikan-kurang": (1, 0)}
    # Sangat Kurang is not among the predicates the rule names.
    assert broken(BAIK, people(sangat_baik=3, baik=6, sangat_kurang=1)) == {
        "baik-some-butuh-perbaikan-kurang": (1, 0)
    }


def test_a_single_employee_is_not_asked_to_be_the_some():
    assert broken(BAIK, people(sangat_baik=1)) == {}
    assert broken(BAIK, people(baik=1, sangat_baik=1)) == {"baik-some-butuh-perbaikan-kurang": (1, 0)}


# "Sebagian besar (maksimal 70%)": a majority as well as at most 70%.
def test_istimewa_needs_a_majority_of_sangat_baik():
    assert broken(ISTIMEWA, people(sangat_baik=2, baik=8)) == {"istimewa-majority-sangat-baik": (6, 2)}
    assert broken(ISTIMEWA, people(sangat_baik=5, baik=5)) == {"istimewa-majority-sangat-baik": (6, 5)}
    assert broken(ISTIMEWA, people(sangat_baik=6, baik=4)) == {}


def test_baik_needs_a_majority_of_baik():
    assert broken(BAIK, people(sangat_baik=5, baik=4, kurang=1)) == {"baik-majority-baik": (6, 4)}
    assert broken(BAIK, people(sangat_baik=3, baik=6, kurang=1)) == {}


@pytest.mark.parametrize(
    ("predicates", "allowed"),
    [
        # 70% of 4 is 2: two make the majority a cap of two allows.
        (people(sangat_baik=2, baik=2), {}),
        (people(sangat_baik=1, baik=3), {"istimewa-majority-sangat-baik": (2, 1)}),
        # 70% of 1 is 0: a single employee cannot be the majority.
        (people(baik=1), {}),
    ],
)
def test_the_majority_gives_way_to_the_cap_of_the_same_predicate(predicates, allowed):
    assert broken(ISTIMEWA, predicates) == allowed


def test_a_majority_violation_says_more_than_half():
    (violation,) = check_distribution(ISTIMEWA, people(sangat_baik=2, baik=8))
    assert violation.message == (
        "organisation predicate istimewa: more than 50% Sangat Baik, "
        "here at least 6 of 10 employees; 2 have it"
    )


# Butuh Perbaikan: at least 60% Butuh Perbaikan, at most 10% Sangat Baik.
def test_butuh_perbaikan_needs_60_percent_butuh_perbaikan_and_caps_sangat_baik_at_10_percent():
    assert broken(BUTUH_PERBAIKAN, people(butuh_perbaikan=6, sangat_baik=1, baik=3)) == {}
    assert broken(BUTUH_PERBAIKAN, people(butuh_perbaikan=5, baik=5)) == {
        "butuh-perbaikan-min-butuh-perbaikan": (6, 5)
    }
    assert broken(BUTUH_PERBAIKAN, people(butuh_perbaikan=6, sangat_baik=2, baik=2)) == {
        "butuh-perbaikan-max-sangat-baik": (1, 2)
    }
    # 60% of 7 is 4.2: at least 5 people; 10% of 7 is 0.7: no Sangat Baik.
    assert broken(BUTUH_PERBAIKAN, people(butuh_perbaikan=4, sangat_baik=1, baik=2)) == {
        "butuh-perbaikan-min-butuh-perbaikan": (5, 4),
        "butuh-perbaikan-max-sangat-baik": (0, 1),
    }


# Kurang: at least 60% Kurang, at least 10% Butuh Perbaikan, at most 10% Sangat Baik.
def test_kurang_needs_60_percent_kurang_10_percent_butuh_perbaikan_and_caps_sangat_baik():
    assert broken(KURANG, people(kurang=6, butuh_perbaikan=2, sangat_baik=1, baik=1)) == {}
    assert broken(KURANG, people(kurang=5, butuh_perbaikan=5)) == {"kurang-min-kurang": (6, 5)}
    assert broken(KURANG, people(kurang=9, baik=1)) == {"kurang-min-butuh-perbaikan": (1, 0)}
    assert broken(KURANG, people(kurang=7, butuh_perbaikan=1, sangat_baik=2)) == {
        "kurang-max-sangat-baik": (1, 2)
    }


# Sangat Kurang: at least 60% Sangat Kurang, at least 10% Kurang/Butuh Perbaikan, no Sangat Baik.
def test_sangat_kurang_needs_60_percent_sangat_kurang_10_percent_kurang_or_bp_and_no_sangat_baik():
    assert broken(SANGAT_KURANG, people(sangat_kurang=6, kurang=1, butuh_perbaikan=1, baik=2)) == {}
    assert broken(SANGAT_KURANG, people(sangat_kurang=5, kurang=5)) == {
        "sangat-kurang-min-sangat-kurang": (6, 5)
    }
    assert broken(SANGAT_KURANG, people(sangat_kurang=9, baik=1)) == {
        "sangat-kurang-min-kurang-butuh-perbaikan": (1, 0)
    }
    assert broken(SANGAT_KURANG, people(sangat_kurang=8, kurang=1, sangat_baik=1)) == {
        "sangat-kurang-no-sangat-baik": (0, 1)
    }


@pytest.mark.parametrize(
    ("organisation", "predicates"),
    [
        (KURANG, people(kurang=1)),
        (KURANG, people(kurang=2)),
        (SANGAT_KURANG, people(sangat_kurang=1)),
        (SANGAT_KURANG, people(sangat_kurang=2)),
    ],
)
def test_the_10_percent_minimum_gives_way_when_the_60_percent_takes_every_place(organisation, predicates):
    assert broken(organisation, predicates) == {}


def test_the_10_percent_minimum_applies_once_there_is_room():
    assert broken(KURANG, people(kurang=3)) == {"kurang-min-butuh-perbaikan": (1, 0)}


@pytest.mark.parametrize("organisation", list(OrganisationPredicate))
def test_an_empty_period_breaks_no_rule(organisation):
    assert check_distribution(organisation, []) == []


def test_a_violation_says_which_rule_with_its_counts():
    (violation,) = check_distribution(ISTIMEWA, people(sangat_baik=4))
    assert violation.message == (
        "organisation predicate istimewa: at most 70% Sangat Baik, here at most 2 of 4 employees; 4 have it"
    )
    assert (violation.population, violation.predicates) == (4, (SB,))


def test_distribution_lists_every_predicate():
    assert distribution([B, B, SK]) == {SB: 0, B: 2, BP: 0, K: 0, SK: 1}
