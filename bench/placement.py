"""Placement engine at scale: 20k x 2k, 50k x 5k and a province-wide 200k x 20k round (candidates x
vacant positions, ~50 eligible positions per candidate).

For each size, one process generates the round and runs the whole engine — eligible pairs, scores, the
optimal solve with its duals, and the explanations of every move (columns, then one record per move) —
and reports its times and peak memory (ru_maxrss of that process, instance included). After each engine
run, OR-Tools' bare min-cost flow solves the very graph the engine solved, in the same process, so both meet
the same load of the shared machine; a second process solves the same LP with HiGHS (skipped where it would
take too long). The figures are compared: objective, optimality gap, time ratios.

    .venv/bin/python bench/placement.py [--sizes 20000x2000,50000x5000,200000x20000] [--highs-max-pairs N]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.mutation.placement.domain.engine import build_model, solve
from services.mutation.placement.domain.explain import explain, move_explanations
from services.mutation.placement.domain.instance import (
    Candidates,
    Locations,
    PlacementInstance,
    Positions,
    Units,
)
from services.mutation.placement.domain.network import build_graph, min_cost_flow_arcs

DEFAULT_SIZES = "20000x2000,50000x5000,200000x20000"
ELIGIBLE_PER_CANDIDATE = 50
COMPETENCIES = 9
GOALS = {20_000: 3.0, 50_000: 8.0, 200_000: 60.0}  # seconds for the whole engine
MEMORY_GOAL_MB = 6 * 1024


def generate(n_candidates: int, n_positions: int, seed: int = 8) -> PlacementInstance:
    """A synthetic province: kabupaten around Sulawesi Barat, one agency each plus the province, units of
    ten vacant positions on average, and job families sized so a candidate sees ~50 eligible positions."""
    rng = np.random.default_rng(seed)
    n_loc = 30
    n_units = max(20, n_positions // 10)
    # The share of a family's vacancies a candidate may enter (job class window, rank), measured once on
    # this generator; it sets the number of families for ~50 eligible positions per candidate.
    families = max(1, round(n_positions * 0.2 / ELIGIBLE_PER_CANDIDATE))
    locations = Locations(rng.uniform(-3.4, -1.0, n_loc), rng.uniform(118.7, 120.6, n_loc))

    unit_location = rng.integers(0, n_loc, n_units)
    unit_agency = np.where(rng.random(n_units) < 0.2, n_loc, unit_location)  # 20% provincial units
    origin = rng.integers(0, n_units, n_candidates)
    pool = np.bincount(origin, minlength=n_units)
    present = pool * 3 + rng.integers(2, 12, n_units)  # the pool is a third of the staff
    ej = rng.uniform(0.6, 1.4, n_units)
    units = Units(
        need=present * ej,
        present=present,
        location=unit_location,
        agency=unit_agency,
        release_limit=np.where(rng.random(n_units) < 0.1, rng.integers(0, 5, n_units), -1),
    )

    job_class = rng.integers(5, 13, n_positions)
    positions = Positions(
        unit=rng.integers(0, n_units, n_positions),
        seats=1 + (rng.random(n_positions) < 0.3),
        job_family=rng.integers(0, families, n_positions),
        job_class=job_class,
        min_rank=np.where(job_class >= 9, 31, 22) + rng.integers(0, 3, n_positions),
        standard=rng.integers(1, 5, (n_positions, COMPETENCIES)),
    )

    preferences = np.where(
        rng.random((n_candidates, 3)) < [0.35, 0.2, 0.1], rng.integers(0, n_loc, (n_candidates, 3)), -1
    )
    ranks = np.array([22, 23, 24, 31, 32, 33, 34, 41])
    candidates = Candidates(
        unit=origin,
        location=unit_location[origin],
        job_family=rng.integers(0, families, n_candidates),
        job_class=rng.integers(5, 13, n_candidates),
        rank=ranks[rng.integers(0, len(ranks), n_candidates)],
        competency=rng.integers(1, 6, (n_candidates, COMPETENCIES)),
        predicates=rng.choice([2, 3, 3, 3, 4, 4], (n_candidates, 2)),
        nine_box=rng.integers(1, 10, n_candidates),
        preferences=preferences,
        gender=rng.integers(1, 3, n_candidates),
        age=rng.integers(24, 58, n_candidates),
        may_leave_agency=rng.random(n_candidates) < 0.9,
        eligible=rng.random(n_candidates) < 0.95,
    )
    return PlacementInstance(locations, units, positions, candidates)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_engine(n_candidates: int, n_positions: int, graph_file: Path, repeat: int) -> dict:
    """The whole engine `repeat` times on one generated round, each run followed by OR-Tools' bare min-cost
    flow on the graph the engine solved, so both meet the same load of the shared machine; the fastest run
    of each counts. Peak memory is read after the first engine run, before any bare solve."""
    instance = generate(n_candidates, n_positions)
    runs, bare, peak = [], [], 0.0
    for _ in range(repeat):
        timings: dict[str, float] = {}
        started, cpu = time.perf_counter(), time.process_time()
        model = build_model(instance)
        timings["pairs_and_scores"] = time.perf_counter() - started

        mark, mark_cpu = time.perf_counter(), time.process_time()
        plan = solve(model)
        timings["solve"] = time.perf_counter() - mark
        timings["solve_cpu"] = time.process_time() - mark_cpu

        mark = time.perf_counter()
        explanations = explain(plan)
        records = move_explanations(plan, explanations)
        timings["explanations"] = time.perf_counter() - mark
        timings["engine"] = time.perf_counter() - started
        timings["engine_cpu"] = time.process_time() - cpu
        runs.append(timings)
        peak = peak or peak_mb()

        graph = build_graph(plan.problem)  # the very graph the engine solved, arc for arc
        mark, mark_cpu = time.perf_counter(), time.process_time()
        flow = min_cost_flow_arcs(graph)
        bare.append({"seconds": time.perf_counter() - mark, "cpu": time.process_time() - mark_cpu})
        bare_objective = -int((flow * graph.cost).sum())
        del flow

    np.savez(
        graph_file,
        candidate=plan.problem.candidate,
        position=plan.problem.position,
        pair_cost=plan.problem.cost,
        origin_unit=plan.problem.origin_unit,
        position_unit=plan.problem.position_unit,
        seats=plan.problem.seats,
        release_cap=plan.problem.release_cap,
        intake_cap=plan.problem.intake_cap,
    )
    return {
        "pairs": len(model.pairs),
        "eligible_per_candidate": len(model.pairs) / max(int(instance.candidates.eligible.sum()), 1),
        "moves": len(plan.moves),
        "records": len(records),
        "objective": plan.objective,
        "certificate_gap": plan.optimality_gap,
        "timings": min(runs, key=lambda t: t["engine"]),
        "best_solve": min(t["solve"] for t in runs),
        "best_solve_cpu": min(t["solve_cpu"] for t in runs),
        "bare_mcf_seconds": min(b["seconds"] for b in bare),
        "bare_mcf_cpu": min(b["cpu"] for b in bare),
        "bare_mcf_objective": bare_objective,
        "peak_mb": peak,
    }


def run_highs(graph_file: Path, highs_max_pairs: int) -> dict:
    data = np.load(graph_file)
    pair_count = len(data["candidate"])
    if pair_count > highs_max_pairs:
        return {"highs_skipped": f"{pair_count:,} pairs > --highs-max-pairs {highs_max_pairs:,}"}
    seconds, objective = solve_lp_with_highs(data)
    return {"highs_seconds": seconds, "highs_objective": objective, "highs_peak_mb": peak_mb()}


def solve_lp_with_highs(data) -> tuple[float, float]:
    """The placement LP written directly, not as a flow: max Σ score·x, x in [0, 1], one move per
    candidate, seats per position, release cap per origin unit, intake cap per target unit."""
    import highspy

    candidate, position = data["candidate"].astype(np.int64), data["position"].astype(np.int64)
    n_cand, n_pos = len(data["origin_unit"]), len(data["seats"])
    n_units = len(data["release_cap"])
    p = len(candidate)
    rows = np.stack(
        [
            candidate,
            n_cand + position,
            n_cand + n_pos + data["origin_unit"][candidate],
            n_cand + n_pos + n_units + data["position_unit"][position],
        ],
        axis=1,
    ).ravel()
    lp = highspy.HighsLp()
    lp.num_col_ = p
    lp.num_row_ = n_cand + n_pos + 2 * n_units
    lp.col_cost_ = data["pair_cost"].astype(np.float64)
    lp.col_lower_ = np.zeros(p)
    lp.col_upper_ = np.ones(p)
    lp.row_lower_ = np.full(lp.num_row_, -highspy.kHighsInf)
    lp.row_upper_ = np.concatenate(
        [np.ones(n_cand), data["seats"], data["release_cap"], data["intake_cap"]]
    ).astype(np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(0, 4 * p + 1, 4, dtype=np.int32)
    lp.a_matrix_.index_ = rows.astype(np.int32)
    lp.a_matrix_.value_ = np.ones(4 * p)
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    started = time.perf_counter()
    highs.passModel(lp)
    highs.run()
    seconds = time.perf_counter() - started
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"HiGHS: {highs.modelStatusToString(highs.getModelStatus())}")
    return seconds, -highs.getInfo().objective_function_value


@dataclass
class Row:
    size: str
    engine: dict
    refs: dict


def child(args: list[str]) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True, env=os.environ
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(row: Row) -> None:
    e, r, t = row.engine, row.refs, row.engine["timings"]
    n_cand = int(row.size.split("x")[0])
    goal = GOALS.get(n_cand)
    print(
        f"\n== {row.size}  pairs={e['pairs']:,}  eligible/candidate={e['eligible_per_candidate']:.1f}  "
        f"moves={e['moves']:,}"
    )
    met = "" if goal is None else f"  goal <= {goal:.0f} s: {'met' if t['engine'] <= goal else 'MISSED'}"
    print(
        f"engine {t['engine']:7.2f} s, cpu {t['engine_cpu']:.2f} s  "
        f"(pairs+scores {t['pairs_and_scores']:.2f}, solve {t['solve']:.2f}, "
        f"explanations {t['explanations']:.2f} for {e['records']:,} moves){met}"
    )
    print(
        f"peak memory {e['peak_mb']:8.0f} MB (engine process)  goal <= {MEMORY_GOAL_MB} MB: "
        f"{'met' if e['peak_mb'] <= MEMORY_GOAL_MB else 'MISSED'}"
    )
    ratio = e["best_solve"] / e["bare_mcf_seconds"]
    ratio_cpu = e["best_solve_cpu"] / e["bare_mcf_cpu"]
    print(
        f"bare OR-Tools min-cost flow {e['bare_mcf_seconds']:.2f} s (cpu {e['bare_mcf_cpu']:.2f}); "
        f"engine solve step {e['best_solve']:.2f} s (cpu {e['best_solve_cpu']:.2f}) -> ratio {ratio:.2f} "
        f"(cpu {ratio_cpu:.2f})  goal <= 1.5: {'met' if ratio <= 1.5 else 'MISSED'}"
    )
    objective, bare = e["objective"], e["bare_mcf_objective"]
    print(
        f"objective (thousandths of a point): engine {objective:,}  bare mcf {bare:,}  "
        f"gap {abs(objective - bare) / max(abs(bare), 1):.2e}  duality certificate gap {e['certificate_gap']}"
    )
    if "highs_seconds" in r:
        gap = abs(objective - r["highs_objective"]) / max(abs(r["highs_objective"]), 1)
        print(
            f"HiGHS LP {r['highs_seconds']:7.2f} s  objective {r['highs_objective']:,.1f}  gap {gap:.2e}  "
            f"engine / HiGHS time = {t['engine'] / r['highs_seconds']:.3f}"
        )
    else:
        print(f"HiGHS LP skipped: {r['highs_skipped']} (it grows superlinearly: see the smaller sizes)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default=DEFAULT_SIZES)
    parser.add_argument("--highs-max-pairs", type=int, default=3_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="engine and bare flow runs; the fastest counts")
    parser.add_argument("--engine", nargs=3, metavar=("CANDIDATES", "POSITIONS", "GRAPH_FILE"))
    parser.add_argument("--highs", nargs=2, metavar=("GRAPH_FILE", "HIGHS_MAX_PAIRS"))
    args = parser.parse_args()
    if args.engine:
        print(
            json.dumps(
                run_engine(int(args.engine[0]), int(args.engine[1]), Path(args.engine[2]), args.repeat)
            )
        )
        return
    if args.highs:
        print(json.dumps(run_highs(Path(args.highs[0]), int(args.highs[1]))))
        return
    print(
        f"placement bench: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; each size runs in "
        f"fresh processes; engine and bare flow: fastest of {args.repeat} runs"
    )
    with tempfile.TemporaryDirectory() as workdir:
        for size in args.sizes.split(","):
            n_cand, n_pos = (int(x) for x in size.split("x"))
            graph_file = Path(workdir) / f"{size}.npz"
            repeat = f"--repeat={args.repeat}"
            engine = child([repeat, "--engine", str(n_cand), str(n_pos), str(graph_file)])
            refs = child(["--highs", str(graph_file), str(args.highs_max_pairs)])
            report(Row(size, engine, refs))
            graph_file.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
