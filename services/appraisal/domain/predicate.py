"""Ratings and the performance predicate (PermenPANRB 6/2022).

The supervisor rates results (hasil kerja) and behaviour (perilaku kerja) on three levels; the predicate is
read off the results x behaviour matrix. Behaviour is rated against the seven BerAKHLAK core values; how
the seven combine into one behaviour rating is not fixed by the matrix, so it is a per-period rule.
"""

from collections.abc import Mapping
from enum import StrEnum

from shared.errors import FieldProblem, InvalidInput


class Rating(StrEnum):
    """The three-level scale the supervisor rates results and behaviour on."""

    ABOVE = "di_atas_ekspektasi"
    MEETS = "sesuai_ekspektasi"
    BELOW = "di_bawah_ekspektasi"


class Predicate(StrEnum):
    """Predikat kinerja pegawai, best first."""

    SANGAT_BAIK = "sangat_baik"
    BAIK = "baik"
    BUTUH_PERBAIKAN = "butuh_perbaikan"
    KURANG = "kurang"
    SANGAT_KURANG = "sangat_kurang"

    @property
    def score(self) -> int:
        """5 for Sangat Baik down to 1 for Sangat Kurang: an order for comparing before and after."""
        return len(Predicate) - list(Predicate).index(self)

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").title()


class CoreValue(StrEnum):
    """The seven BerAKHLAK core values behaviour is rated against."""

    BERORIENTASI_PELAYANAN = "berorientasi_pelayanan"
    AKUNTABEL = "akuntabel"
    KOMPETEN = "kompeten"
    HARMONIS = "harmonis"
    LOYAL = "loyal"
    ADAPTIF = "adaptif"
    KOLABORATIF = "kolaboratif"


# PermenPANRB 6/2022: (results, behaviour) -> predicate. Behaviour below expectations with results at or
# above them is Kurang: the regulation treats it as misconduct, whatever the results.
PREDICATE_MATRIX: Mapping[tuple[Rating, Rating], Predicate] = {
    (Rating.ABOVE, Rating.BELOW): Predicate.KURANG,
    (Rating.ABOVE, Rating.MEETS): Predicate.BAIK,
    (Rating.ABOVE, Rating.ABOVE): Predicate.SANGAT_BAIK,
    (Rating.MEETS, Rating.BELOW): Predicate.KURANG,
    (Rating.MEETS, Rating.MEETS): Predicate.BAIK,
    (Rating.MEETS, Rating.ABOVE): Predicate.BAIK,
    (Rating.BELOW, Rating.BELOW): Predicate.SANGAT_KURANG,
    (Rating.BELOW, Rating.MEETS): Predicate.BUTUH_PERBAIKAN,
    (Rating.BELOW, Rating.ABOVE): Predicate.BUTUH_PERBAIKAN,
}


def predicate_of(results: Rating, behaviour: Rating) -> Predicate:
    return PREDICATE_MATRIX[(results, behaviour)]


class BehaviourRule(StrEnum):
    """How the seven core-value ratings become the one behaviour rating of the matrix (set per period).

    `supervisor_overall` (the default): the supervisor gives the overall behaviour rating and the seven
    ratings are its recorded evidence, as the e-Kinerja forms ask. `majority`: the rating at least four
    of the seven values share; with no such majority the behaviour meets expectations.
    """

    SUPERVISOR_OVERALL = "supervisor_overall"
    MAJORITY = "majority"


MAJORITY_OF_SEVEN = 4


def behaviour_rating(
    rule: BehaviourRule, values: Mapping[CoreValue, Rating], overall: Rating | None
) -> Rating:
    """The behaviour rating of the matrix; every core value must be rated, whatever the rule."""
    missing = [value for value in CoreValue if value not in values]
    if missing:
        raise InvalidInput(
            f"all seven BerAKHLAK values need a rating; missing: {', '.join(missing)}",
            errors=[FieldProblem(field=f"behaviour_values.{value}", message="required") for value in missing],
        )
    if rule is BehaviourRule.SUPERVISOR_OVERALL:
        if overall is None:
            raise InvalidInput(
                "this period's rule asks the appraiser for the overall behaviour rating",
                errors=[FieldProblem(field="behaviour", message="required under supervisor_overall")],
            )
        return overall
    derived = _majority(values)
    if overall is not None and overall != derived:
        raise InvalidInput(
            f"under the majority rule the seven values give {derived}, not {overall}",
            errors=[FieldProblem(field="behaviour", message="omit it or send the derived rating")],
        )
    return derived


def _majority(values: Mapping[CoreValue, Rating]) -> Rating:
    for rating in Rating:
        if sum(1 for given in values.values() if given is rating) >= MAJORITY_OF_SEVEN:
            return rating
    return Rating.MEETS
