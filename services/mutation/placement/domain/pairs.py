"""Which candidate-position pairs exist at all: the hard eligibility rules, computed for the whole pool with
NumPy and never with a Python loop per pair.

Vacant positions are bucketed by (job family, job class); each candidate looks up the few buckets it may
enter (its own family and the family-open positions, within the job class window) by binary search, the
bucket ranges are expanded into pairs in one vectorised step, and the remaining rules are masks over those
pairs. Candidate-level rules of the mutation policy (minimum posting, retirement, discipline, bonds) arrive
already evaluated as `Candidates.eligible` and `Candidates.may_leave_agency`.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from services.mutation.placement.domain.instance import PlacementInstance

CHUNK = 32_768  # candidates expanded at a time: keeps the temporaries of a province-wide round small


@dataclass(frozen=True)
class EligibilityRules:
    """Pair rules of a round. A mutation is a move at about the same level: the target's kelas jabatan
    may be at most `job_class_below` under and `job_class_above` over the candidate's own (PP 11/2017
    Pasal 190 asks that the move fit the job class and career pattern)."""

    job_class_below: int = 1
    job_class_above: int = 1
    # The mutation policy's floor on the job-person match (0..1); a position without a standard is exempt.
    min_job_person_match: float = 0.0


@dataclass(frozen=True)
class EligiblePairs:
    """The eligible pairs, grouped by candidate: the pairs of candidate c are rows
    `offsets[c]:offsets[c + 1]`."""

    candidate: NDArray[np.int32]
    position: NDArray[np.int32]
    offsets: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.candidate)

    def find(self, candidate: int, position: int) -> int:
        """The row of one pair, or -1 when the pair is not eligible."""
        if not 0 <= candidate < len(self.offsets) - 1:
            return -1
        start, end = self.offsets[candidate], self.offsets[candidate + 1]
        hits = np.flatnonzero(self.position[start:end] == position)
        return int(start + hits[0]) if hits.size else -1

    def subset(self, keep: NDArray[np.bool_]) -> "EligiblePairs":
        """The pairs where `keep` holds, still grouped by candidate."""
        candidate = self.candidate[keep]
        offsets = np.zeros_like(self.offsets)
        np.cumsum(np.bincount(candidate, minlength=len(self.offsets) - 1), out=offsets[1:])
        return EligiblePairs(candidate, self.position[keep], offsets)

    def rows(self, pairs: NDArray[np.int32]) -> NDArray[np.int64]:
        """Rows of (candidate, position) pairs, -1 for those that are not eligible."""
        return np.array([self.find(int(c), int(p)) for c, p in pairs], dtype=np.int64)


def eligible_pairs(instance: PlacementInstance, rules: EligibilityRules | None = None) -> EligiblePairs:
    rules = rules or EligibilityRules()
    pos, cand, units = instance.positions, instance.candidates, instance.units
    n_cand, n_pos = len(cand), len(pos)
    vacant = np.flatnonzero(pos.seats > 0).astype(np.int32)
    offsets_per_class = np.arange(-rules.job_class_below, rules.job_class_above + 1, dtype=np.int64)
    top_class = max(int(pos.job_class.max(initial=0)), int(cand.job_class.max(initial=0)))
    stride = top_class + rules.job_class_above + 2  # no class query can reach into the next family's keys
    bucket = (pos.job_family[vacant].astype(np.int64) + 1) * stride + pos.job_class[vacant]
    order = np.argsort(bucket, kind="stable")
    bucket, by_bucket = bucket[order], vacant[order]
    forbidden = np.unique(instance.forbidden[:, 0].astype(np.int64) * n_pos + instance.forbidden[:, 1])

    candidates, positions = [], []
    for low in range(0, n_cand, CHUNK):
        who = np.arange(low, min(low + CHUNK, n_cand), dtype=np.int64)
        who = who[cand.eligible[who]]
        own_family = cand.job_family[who].astype(np.int64) + 1
        families = np.stack([own_family, np.zeros_like(own_family)], axis=1)  # own, then family-open
        classes = cand.job_class[who].astype(np.int64)[:, None] + offsets_per_class
        keys = families[:, :, None] * stride + classes[:, None, :]
        usable = ((classes >= 0) & (classes < stride))[:, None, :] & np.stack(
            [np.ones_like(own_family, bool), own_family != 0], axis=1
        )[:, :, None]  # a family-less candidate would otherwise query the open buckets twice
        keys = keys.ravel()
        starts = np.searchsorted(bucket, keys, side="left")
        counts = np.where(usable.ravel(), np.searchsorted(bucket, keys, side="right") - starts, 0)
        total = int(counts.sum())
        who_per_query = np.repeat(who, keys.size // max(len(who), 1))
        c = np.repeat(who_per_query, counts)
        first_row = np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(total)
        p = by_bucket[first_row]

        keep = cand.rank[c] >= pos.min_rank[p]
        target_unit, origin_unit = pos.unit[p], cand.unit[c]
        keep &= target_unit != origin_unit  # a move inside one's own unit is not a mutation between units
        keep &= (units.agency[target_unit] == units.agency[origin_unit]) | cand.may_leave_agency[c]
        if forbidden.size:
            key = c * n_pos + p
            at = np.minimum(np.searchsorted(forbidden, key), forbidden.size - 1)
            keep &= forbidden[at] != key
        candidates.append(c[keep].astype(np.int32))
        positions.append(p[keep])

    candidate = np.concatenate(candidates) if candidates else np.empty(0, np.int32)
    position = np.concatenate(positions) if positions else np.empty(0, np.int32)
    offsets = np.zeros(n_cand + 1, np.int64)
    np.cumsum(np.bincount(candidate, minlength=n_cand), out=offsets[1:])
    return EligiblePairs(candidate, position.astype(np.int32), offsets)
