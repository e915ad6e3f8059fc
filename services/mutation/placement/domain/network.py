"""The placement model as a min-cost flow, its exact solve with OR-Tools, and the LP duals behind every
explanation.

    source ─(release cap)→ origin unit ─(1)→ candidate ─(1, -score)→ position ─(seats)→ target unit
           ─(intake cap)→ sink,             plus the stay edge source → sink (cost 0)

A unit of flow is one person; whoever is not moved goes down the stay edge. The constraint matrix of a
network is totally unimodular, so the LP optimum is integral and this is the exact optimum of the
placement problem, not an approximation.

The duals are read off the optimal flow: node potentials are shortest distances in the residual graph
(Bellman-Ford in layered NumPy sweeps), and the potentials are turned into the prices of the
LP `max Σ score·x` subject to one move per candidate, seats per position and the two unit caps:
`candidate_value` (y), `seat_price` (z), `release_price` (alpha) and `intake_price` (beta). Every pair then
has a reduced cost `y + z + alpha + beta - score` ≥ 0, zero on the chosen moves, and the dual objective
equals the plan's score: a certificate of optimality that is checked on every solve.

Ties: several flows often reach the optimum. The potentials mark all of them at once (complementary
slackness: an optimal flow fills every arc of negative reduced cost and leaves every arc of positive
reduced cost empty), so a second solve over the arcs of zero reduced cost alone, priced by the problem's
`tie_break` costs, picks the optimal flow of least tie-break cost without touching the score.
"""

import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components, dijkstra

I64 = NDArray[np.int64]

SOURCE, SINK = 0, 1
PAIR_BLOCK = 2  # the candidate -> position arcs among the blocks of `arc_blocks`


class SolverFailed(RuntimeError):
    """The solver did not return an optimum (a defect: the model always has one)."""


@dataclass(frozen=True)
class FlowProblem:
    """Pairs (`candidate`, `position`, `cost` in thousandths of a point, -score) over `n_candidates`
    candidates in origin units `origin_unit`, positions with `seats` in units `position_unit`, and the
    per-unit `release_cap` and `intake_cap`. `tie_break` (non-negative, per pair) settles ties between
    optimal flows: of those, the one whose pairs add up to the least tie-break cost is taken."""

    candidate: NDArray[np.int32]
    position: NDArray[np.int32]
    cost: I64
    origin_unit: NDArray[np.int32]
    position_unit: NDArray[np.int32]
    seats: I64
    release_cap: I64
    intake_cap: I64
    tie_break: I64 | None = None

    @property
    def n_units(self) -> int:
        return len(self.release_cap)

    @property
    def n_candidates(self) -> int:
        return len(self.origin_unit)

    @property
    def n_positions(self) -> int:
        return len(self.seats)

    def max_moves(self) -> int:
        return int(
            min(self.n_candidates, self.seats.sum(), self.release_cap.sum(), self.intake_cap.sum(), len(self))
        )

    def __len__(self) -> int:
        return len(self.candidate)


Arcs = tuple[NDArray[np.int32], NDArray[np.int32], I64, I64]  # tail, head, capacity, cost


@dataclass(frozen=True)
class Graph:
    """The network as whole arc arrays, in blocks: source→origin unit (K), origin unit→candidate (N),
    candidate→position (pairs), position→target unit (M), target unit→sink (K), then the stay edge."""

    n_nodes: int
    tail: NDArray[np.int32]
    head: NDArray[np.int32]
    capacity: I64
    cost: I64
    supply: int


def supply_of(problem: FlowProblem) -> int:
    """One more than the largest possible number of moves: the stay edge then always carries flow in both
    residual directions, so source and sink share a potential and no artificial price appears."""
    return problem.max_moves() + 1


def arc_blocks(problem: FlowProblem, supply: int) -> list[Arcs]:
    k, n, m, p = problem.n_units, problem.n_candidates, problem.n_positions, len(problem)
    unit0, cand0 = 2, 2 + k
    pos0 = cand0 + n
    target0 = pos0 + m
    units = np.arange(k, dtype=np.int32)
    zeros = np.zeros(max(k, n, m), np.int64)
    return [
        (np.full(k, SOURCE, np.int32), unit0 + units, np.minimum(problem.release_cap, supply), zeros[:k]),
        (unit0 + problem.origin_unit, cand0 + np.arange(n, dtype=np.int32), np.ones(n, np.int64), zeros[:n]),
        (cand0 + problem.candidate, pos0 + problem.position, np.ones(p, np.int64), problem.cost),
        (
            pos0 + np.arange(m, dtype=np.int32),
            target0 + problem.position_unit,
            np.minimum(problem.seats, supply),
            zeros[:m],
        ),
        (target0 + units, np.full(k, SINK, np.int32), np.minimum(problem.intake_cap, supply), zeros[:k]),
        (np.array([SOURCE], np.int32), np.array([SINK], np.int32), np.array([supply + 1]), zeros[:1]),
    ]


def build_graph(problem: FlowProblem) -> Graph:
    supply = supply_of(problem)
    blocks = arc_blocks(problem, supply)
    tail, head, capacity, cost = (np.concatenate([b[i] for b in blocks]) for i in range(4))
    n_nodes = 2 + 2 * problem.n_units + problem.n_candidates + problem.n_positions
    return Graph(
        n_nodes,
        tail.astype(np.int32),
        head.astype(np.int32),
        capacity.astype(np.int64),
        cost.astype(np.int64),
        supply,
    )


def min_cost_flow_arcs(graph: Graph) -> I64:
    """Optimal flow on every arc of a whole graph (OR-Tools' cost-scaling min-cost flow)."""
    return _min_cost_flow([(graph.tail, graph.head, graph.capacity, graph.cost)], graph.supply)


def _min_cost_flow(blocks: list[Arcs], supply: int) -> I64:
    solver = min_cost_flow.SimpleMinCostFlow()
    for tail, head, capacity, cost in blocks:
        solver.add_arcs_with_capacity_and_unit_cost(
            np.asarray(tail, np.int32), np.asarray(head, np.int32), np.asarray(capacity, np.int64), cost
        )
    solver.set_nodes_supplies(np.array([SOURCE, SINK], np.int32), np.array([supply, -supply], np.int64))
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise SolverFailed(f"min-cost flow ended with status {status}")
    return np.asarray(solver.flows(np.arange(solver.num_arcs(), dtype=np.int32)), dtype=np.int64)


@dataclass(frozen=True)
class Flows:
    """The optimal flow block by block, with the capacities it ran against."""

    release: I64
    release_capacity: I64
    candidate: I64
    pair: I64
    seats: I64
    seats_capacity: I64
    intake: I64
    intake_capacity: I64
    stay: int

    def blocks(self) -> tuple[I64, ...]:
        """Block by block, as `arc_blocks` lists the arcs."""
        return (self.release, self.candidate, self.pair, self.seats, self.intake, np.array([self.stay]))

    def as_array(self) -> I64:
        """In the arc order of `build_graph`."""
        return np.concatenate(self.blocks()).astype(np.int64)


@dataclass(frozen=True)
class Potentials:
    """Node potentials by layer: source, sink, origin units, candidates, positions, target units."""

    source: int
    sink: int
    origin: I64
    candidate: I64
    position: I64
    target: I64

    def as_array(self) -> I64:
        """In the node order of `build_graph`."""
        return np.concatenate(
            [[self.source, self.sink], self.origin, self.candidate, self.position, self.target]
        )


def residual_potentials(problem: FlowProblem, flows: "Flows") -> Potentials:
    """Shortest distances from a virtual root (0 to every node) in the residual graph of an optimal flow:
    they satisfy cost + d[tail] - d[head] ≥ 0 on every residual arc, the optimality condition of a flow.

    Bellman-Ford that walks the layers in order in each sweep. The small layers (units, candidates,
    positions) are relaxed whole; the pair arcs, the bulk of the graph, only from the candidates whose
    distance improved since the last sweep, with `np.minimum.at` doing the scatter-min in one call."""
    k, n, m = problem.n_units, problem.n_candidates, problem.n_positions
    origin_unit, position_unit = problem.origin_unit, problem.position_unit
    chosen = flows.pair > 0
    moved = flows.candidate > 0
    # Residual directions of the small layers: forward where below capacity, backward where carrying flow.
    release_open, release_used = flows.release < flows.release_capacity, flows.release > 0
    seat_open, seat_used = flows.seats < flows.seats_capacity, flows.seats > 0
    intake_open, intake_used = flows.intake < flows.intake_capacity, flows.intake > 0
    chosen_rows = np.flatnonzero(chosen)
    chosen_c, chosen_p = problem.candidate[chosen_rows], problem.position[chosen_rows]
    chosen_cost = problem.cost[chosen_rows]
    offsets = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(problem.candidate, minlength=n), out=offsets[1:])

    source = 0  # source and sink share one potential: the stay edge is residual both ways
    origin, candidate = np.zeros(k, np.int64), np.zeros(n, np.int64)
    position, target = np.zeros(m, np.int64), np.zeros(k, np.int64)
    frontier = np.arange(n)  # candidates whose pair arcs are still to be relaxed at their current value
    for _ in range(n + m + 2 * k + 3):
        before = (source, origin.copy(), candidate.copy(), position.copy(), target.copy())
        # downstream: source -> origin units -> candidates -> positions -> target units -> sink
        np.minimum(origin, np.where(release_open, source, origin), out=origin)
        np.minimum(candidate, np.where(moved, candidate, origin[origin_unit]), out=candidate)
        rows = expand_ranges(offsets[frontier], offsets[frontier + 1])
        rows = rows[~chosen[rows]]
        np.minimum.at(
            position, problem.position[rows], candidate[problem.candidate[rows]] + problem.cost[rows]
        )
        np.minimum.at(target, position_unit[seat_open], position[seat_open])
        if intake_open.any():
            source = min(source, int(target[intake_open].min()))
        # upstream, along the arcs that carry flow: sink -> target units -> positions -> candidates -> ...
        np.minimum(target, np.where(intake_used, source, target), out=target)
        np.minimum(position, np.where(seat_used, target[position_unit], position), out=position)
        np.minimum.at(candidate, chosen_c, position[chosen_p] - chosen_cost)
        np.minimum.at(origin, origin_unit[moved], candidate[moved])
        if release_used.any():
            source = min(source, int(origin[release_used].min()))

        frontier = np.flatnonzero(candidate < before[2])
        if (
            frontier.size == 0
            and source == before[0]
            and np.array_equal(origin, before[1])
            and np.array_equal(position, before[3])
            and np.array_equal(target, before[4])
        ):
            return Potentials(source, source, origin, candidate, position, target)
    raise SolverFailed("negative cycle in the residual graph: the flow is not optimal")


def expand_ranges(starts: I64, ends: I64) -> I64:
    """The concatenation of the ranges [starts[i], ends[i]) without a Python loop."""
    counts = ends - starts
    total = int(counts.sum())
    return np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(total, dtype=np.int64)


@dataclass(frozen=True)
class FlowSolution:
    """The optimum: `chosen` pair rows, the flows, the potentials and the LP duals in cost units."""

    chosen: NDArray[np.int64]
    cost: int
    flows: Flows
    potentials: Potentials
    candidate_value: I64
    seat_price: I64
    release_price: I64
    intake_price: I64

    @property
    def release_used(self) -> I64:
        return self.flows.release

    @property
    def intake_used(self) -> I64:
        return self.flows.intake

    @property
    def seats_used(self) -> I64:
        return self.flows.seats

    def reduced_costs(self, problem: FlowProblem, rows: NDArray[np.int64] | slice = slice(None)) -> I64:
        """y + z + alpha + beta - score of pairs in cost units: at least what forcing the pair in costs."""
        c, p = problem.candidate[rows], problem.position[rows]
        return (
            self.candidate_value[c]
            + self.seat_price[p]
            + self.release_price[problem.origin_unit[c]]
            + self.intake_price[problem.position_unit[p]]
            + problem.cost[rows]
        )

    def dual_objective(self, problem: FlowProblem) -> int:
        return int(
            self.candidate_value.sum()
            + (self.seat_price * problem.seats).sum()
            + (self.release_price * problem.release_cap).sum()
            + (self.intake_price * problem.intake_cap).sum()
        )

    def forbid_losses(self, problem: FlowProblem, rows: NDArray[np.int64]) -> I64:
        """Exactly how much worse the best plan without each chosen pair of `rows` is, in cost units: the
        cheapest cycle through the pair's reverse arc. One residual graph with reduced costs (non-negative
        thanks to the potentials) and a Dijkstra search from each pair's candidate."""
        rows = np.asarray(rows, np.int64)
        if rows.size == 0:
            return np.zeros(0, np.int64)
        graph, flow, d = build_graph(problem), self.flows.as_array(), self.potentials.as_array()
        forward, backward = flow < graph.capacity, flow > 0
        tail = np.concatenate([graph.tail[forward], graph.head[backward]])
        head = np.concatenate([graph.head[forward], graph.tail[backward]])
        cost = np.concatenate([graph.cost[forward], -graph.cost[backward]])
        reduced = (cost + d[tail] - d[head]).astype(np.float64)
        order = np.argsort(tail, kind="stable")
        indptr = np.searchsorted(tail[order], np.arange(graph.n_nodes + 1))
        # A tiny offset keeps zero-cost arcs as arcs; summed over any path it stays far below one unit.
        matrix = csr_array((reduced[order] + 1e-9, head[order], indptr), shape=(graph.n_nodes, graph.n_nodes))
        k, n = problem.n_units, problem.n_candidates
        start = 2 + k + problem.candidate[rows].astype(np.int64)
        end = 2 + k + n + problem.position[rows].astype(np.int64)
        distance = np.empty(rows.size)
        per_call = max(1, 4_000_000 // graph.n_nodes)  # bounds the (sources x nodes) distance matrix
        for low in range(0, rows.size, per_call):
            block = slice(low, low + per_call)
            found = dijkstra(matrix, indices=start[block])
            distance[block] = found[np.arange(found.shape[0]), end[block]]
        arc_reduced = problem.cost[rows] + d[start] - d[end]
        return np.rint(distance).astype(np.int64) - arc_reduced

    def ties(self, problem: FlowProblem, rows: NDArray[np.int64]) -> NDArray[np.bool_]:
        """Whether the best plan without each chosen pair of `rows` scores exactly as much (to the cost
        unit, a thousandth of a point): `forbid_losses` is 0, found without a search per pair. Such a plan
        differs from this one by a cycle of zero cost through the pair's reverse arc, that is of arcs of
        zero reduced cost only — so the pair's candidate and position lie in one strongly connected
        component of the residual arcs of zero reduced cost."""
        rows = np.asarray(rows, np.int64)
        d = self.potentials.as_array()
        blocks = arc_blocks(problem, supply_of(problem))
        tails, heads, zeros = [], [], []
        for (tail, head, capacity, cost), flow in zip(blocks, self.flows.blocks(), strict=True):
            zero = cost + d[tail] - d[head] == 0
            forward, backward = zero & (flow < capacity), zero & (flow > 0)
            tails += [tail[forward], head[backward]]
            heads += [head[forward], tail[backward]]
            zeros.append(zero)
        tail, head = np.concatenate(tails), np.concatenate(heads)
        n_nodes = len(d)
        arcs = csr_array((np.ones(tail.size, np.int8), (tail, head)), shape=(n_nodes, n_nodes))
        _, component = connected_components(arcs, directed=True, connection="strong")
        k, n = problem.n_units, problem.n_candidates
        start = 2 + k + problem.candidate[rows].astype(np.int64)
        end = 2 + k + n + problem.position[rows].astype(np.int64)
        return zeros[PAIR_BLOCK][rows] & (component[start] == component[end])


def solve_flow(problem: FlowProblem) -> FlowSolution:
    supply = supply_of(problem)
    blocks = arc_blocks(problem, supply)
    flow = _min_cost_flow(blocks, supply)
    potentials = residual_potentials(problem, _flows(problem, blocks, flow))
    if problem.tie_break is not None:
        flow = _break_ties(problem, blocks, flow, potentials, supply)
    return _solution(problem, _flows(problem, blocks, flow), potentials)


def _flows(problem: FlowProblem, blocks: list[Arcs], flow: I64) -> Flows:
    k, n, m, p = problem.n_units, problem.n_candidates, problem.n_positions, len(problem)
    edges = np.cumsum([0, k, n, p, m, k])
    release, candidate, pair, seats, intake = (flow[a:b] for a, b in itertools.pairwise(edges))
    return Flows(
        release=release,
        release_capacity=blocks[0][2],
        candidate=candidate,
        pair=pair,
        seats=seats,
        seats_capacity=blocks[3][2],
        intake=intake,
        intake_capacity=blocks[4][2],
        stay=int(flow[-1]),
    )


def _break_ties(
    problem: FlowProblem, blocks: list[Arcs], flow: I64, potentials: Potentials, supply: int
) -> I64:
    """The optimal flow of least tie-break cost. Any optimal flow keeps the arcs of non-zero reduced cost
    as `flow` has them, so those stay fixed and the arcs of zero reduced cost are solved again with the
    tie-break as their cost, for the node balances the fixed arcs leave. The score cannot change: along
    zero reduced costs, any rerouting of flow costs what the potentials say, nothing."""
    assert problem.tie_break is not None
    d = potentials.as_array()
    free = [cost + d[tail] - d[head] == 0 for tail, head, _, cost in blocks]
    if not free[PAIR_BLOCK].any():
        return flow  # no pair can come or go without losing score: the optimum is unique
    ends = np.cumsum([0, *(len(block[0]) for block in blocks)])
    balance = np.zeros(len(d), np.int64)
    balance[[SOURCE, SINK]] = supply, -supply
    arcs: list[Arcs] = []
    for index, ((tail, head, capacity, _), loose) in enumerate(zip(blocks, free, strict=True)):
        carried = flow[ends[index] : ends[index + 1]]
        held = ~loose & (carried > 0)
        np.subtract.at(balance, tail[held], carried[held])
        np.add.at(balance, head[held], carried[held])
        tie_cost = problem.tie_break[loose] if index == PAIR_BLOCK else np.zeros(int(loose.sum()), np.int64)
        arcs.append((tail[loose], head[loose], capacity[loose], tie_cost))
    solver = min_cost_flow.SimpleMinCostFlow()
    for tail, head, capacity, tie_cost in arcs:
        solver.add_arcs_with_capacity_and_unit_cost(
            tail.astype(np.int32), head.astype(np.int32), capacity.astype(np.int64), tie_cost
        )
    nodes = np.flatnonzero(balance).astype(np.int32)
    solver.set_nodes_supplies(nodes, balance[nodes])
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise SolverFailed(f"tie-break min-cost flow ended with status {status}")
    settled = flow.copy()
    settled[np.concatenate(free)] = solver.flows(np.arange(solver.num_arcs(), dtype=np.int32))
    return settled


def _solution(problem: FlowProblem, flows: Flows, d: Potentials) -> FlowSolution:
    chosen = np.flatnonzero(flows.pair > 0)
    c, p = problem.candidate[chosen], problem.position[chosen]
    # Dual of an arc's capacity: -(cost + d[tail] - d[head]) where positive, which only a saturated arc has.
    release_price = np.maximum(d.origin - d.source, 0)
    candidate_value = np.maximum(d.candidate - d.origin[problem.origin_unit], 0)
    seat_price = np.maximum(d.target[problem.position_unit] - d.position, 0)
    intake_price = np.maximum(d.sink - d.target, 0)
    # The pair arc's own capacity (1) is implied by the candidate's: its price moves to the candidate.
    np.add.at(candidate_value, c, np.maximum(d.position[p] - d.candidate[c] - problem.cost[chosen], 0))
    return FlowSolution(
        chosen=chosen,
        cost=int(problem.cost[chosen].sum()),
        flows=flows,
        potentials=d,
        candidate_value=candidate_value,
        seat_price=seat_price,
        release_price=release_price,
        intake_price=intake_price,
    )
