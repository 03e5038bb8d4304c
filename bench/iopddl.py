"""Benchmark autoshard-solve on Google's IOPDDL contest instances.

    python bench/iopddl.py [DIR] [--threads N] [--seed N] [--scale F] [--only A,G] [--repeat] [--work-only]

Runs every asplos-2025-iopddl-*.json.gz in DIR (default ../shared/iopddl
relative to the repository root) through the CLI, each with its contest time
limit (times --scale), checks every answer with the evaluator written apart
from autoshard (bench/evaluate_solution.py) and with autoshard's own, and
prints a markdown table: cost against the best known within the contest
limit, the certified lower bound and the gap to it, and the geometric mean
of cost / best known. The load average is printed before and after, since
the machine may be shared. With --repeat every instance runs twice and the
two solution files are compared byte for byte. With --work-only the solver
runs without its wall-clock guard (in a child process, reading excluded):
only its work budgets, computed from the contest limit, bound the search,
so the answer is the one an unloaded machine gives within the limit,
however loaded this one is, and "seconds" is what it took here.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))

from autoshard.solver import evaluate, read_problem  # noqa: E402

# Contest time limits (seconds; google/iopddl: A-E 1 minute, F-J 2, K-O 3,
# P-T 4, U-Y 5), the best cost known within that limit, and XLA's cost.
# A, G, M, S: issue 10 (A the contest's 2nd place, G optimal, M and S the
# winner's post-contest solver, ti2-group/iopddl_experiments, 8 cores). The
# others: the lower of the best contest entry and XLA
# (asplos-contest/2025 misc/iopddl_final_results.csv, exact) and the winner's
# post-contest solver with seed 1 (that repository's convergence.json, which
# keeps 9 significant digits: the values ending in 000 below).
CONTEST = {
    "A": (60, 6_548_641_531, 13_214_846_074),
    "B": (60, 532_843, 990_205),
    "C": (60, 84_102_445_244, 4_195_881_092_919),
    "D": (60, 313_220_003_000, None),
    "E": (60, 338_965_335_230, 6_638_829_816_582),
    "F": (120, 364_364_563_561, 2_788_507_105_840),
    "G": (120, 217_039, 1_264_777),
    "H": (120, 527_715_404_257, 7_746_779_635_221),
    "I": (120, 583_706_456_444, 6_552_890_513_792),
    "J": (120, 1_325_097_240_000, None),
    "K": (180, 2_242_635_780, None),
    "L": (180, 1_970_993_742, None),
    "M": (180, 49_928_157_537, None),
    "N": (180, 202_308_977_000, None),
    "O": (180, 222_880_199_765, None),
    "P": (240, 651_833_115_436, 651_833_115_436),
    "Q": (240, 526_776_842_042, 1_995_944_800_323),
    "R": (240, 371_899_551_572, None),
    "S": (240, 1_521_949_307, None),
    "T": (240, 681_276_709_000, None),
    "U": (300, 2_547_991_990, None),
    "V": (300, 1_617_084, None),
    "W": (300, 11_818_845_467_155, None),
    "X": (300, 279_381_365_000, None),
    "Y": (300, 604_160_228_000, None),
}
INDEPENDENT = os.path.join(ROOT, "bench", "evaluate_solution.py")
# --work-only: the driver with the wall-clock guard far away (a week).
_WORK_ONLY = """
import sys
from autoshard.solver import read_problem, write_solution
from autoshard.solver.solve import solve_with_progress
path, seconds, threads, seed, out = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
solution = solve_with_progress(read_problem(path), seconds, threads, seed, wall_limit=7 * 24 * 3600.0)
write_solution(out, solution)
print(f"status: {solution.status}")
"""


def _instances(directory: str, only):
    for name in sorted(os.listdir(directory)):
        match = re.fullmatch(r"asplos-2025-iopddl-(\w+)\.json(\.gz)?", name)
        if match and (not only or match[1] in only):
            yield match[1], os.path.join(directory, name)


class _Failed(Exception):
    """No answer, or one the independent checker rejects: a row saying so."""

    def __init__(self, message: str, wall: float):
        super().__init__(message)
        self.wall = wall


def _solve_once(label: str, path: str, seconds: float, threads: int, seed: int, out: str, work_only: bool):
    command = [sys.executable, "-m", "autoshard.tools.solve", path, "--time-limit", str(seconds),
               "--threads", str(threads), "--seed", str(seed), "-o", out]
    if work_only:
        command = [sys.executable, "-c", _WORK_ONLY, path, str(seconds), str(threads), str(seed), out]
    start = time.monotonic()
    run = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python")))
    wall = time.monotonic() - start
    if run.returncode != 0:
        raise _Failed(f"autoshard-solve failed: {run.stderr.strip().splitlines()[-1]}", wall)
    independent = subprocess.run([sys.executable, INDEPENDENT, path, out], capture_output=True, text=True)
    if independent.returncode != 0:
        raise _Failed(f"bench/evaluate_solution.py rejects the answer ({independent.stdout.strip()})", wall)
    with open(out, "rb") as f:
        data = f.read()
    return run, wall, data, independent.stdout.strip()


def _run(label: str, path: str, seconds: float, threads: int, seed: int, repeat: bool, work_only: bool) -> dict:
    problem = read_problem(path)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "solution.json")
        run, wall, data, checked = _solve_once(label, path, seconds, threads, seed, out, work_only)
        same = None
        if repeat:
            same = _solve_once(label, path, seconds, threads, seed, out, work_only)[2] == data
    document = json.loads(data)
    cost, peak = evaluate(problem, document["solution"])
    independent_cost = int(re.search(r"cost (\d+)", checked)[1])
    if independent_cost != cost:
        raise SystemExit(f"{label}: the evaluators disagree: {cost} and {independent_cost}")
    status = re.search(r"status: (\w+)", run.stdout)[1]
    ks = [len(c) for c in problem.costs]
    return dict(label=label, nodes=problem.num_nodes, edges=problem.num_edges, k=sum(ks) / len(ks), cost=cost,
                peak=peak, limit=problem.usage_limit, seconds=wall, status=status, bound=document["bound"],
                same=same)


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _fmt(value) -> str:
    return "—" if value is None else f"{value:,}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", nargs="?", default=os.path.join(ROOT, "..", "shared", "iopddl"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the contest time limits")
    parser.add_argument("--only", default="", help="comma-separated instance letters")
    parser.add_argument("--repeat", action="store_true", help="run each instance twice and compare the files")
    parser.add_argument("--work-only", action="store_true",
                        help="no wall-clock guard: work budgets alone bound the search (a loaded machine's measure)")
    args = parser.parse_args(argv)
    only = {s for s in args.only.split(",") if s}
    print(f"load average before: {_load()}")
    header = ("| instance | nodes | edges | mean strategies | cost | best known | XLA | cost/best known "
              "| certified bound | gap to bound | peak/limit | seconds (limit) | status |"
              + (" same file twice |" if args.repeat else ""))
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    ratios = []
    for label, path in _instances(args.directory, only):
        limit, best, xla = CONTEST.get(label, (60, None, None))  # 60 s for a name not in the contest
        seconds = limit * args.scale
        try:
            row = _run(label, path, seconds, args.threads, args.seed, args.repeat, args.work_only)
        except _Failed as failure:
            print(f"| {label} | | | | **no valid answer**: {failure} | {_fmt(best)} | {_fmt(xla)} | | | | "
                  f"| {failure.wall:.1f} ({seconds:g}) | failed |", flush=True)
            continue
        ratio = f"{row['cost'] / best:.3f}" if best else "—"
        if best:
            ratios.append(row["cost"] / best)
        bound = row["bound"]
        gap = f"{100 * (row['cost'] - bound) / max(row['cost'], 1):.1f}%" if bound is not None else "—"
        peak = f"{row['peak'] / row['limit']:.3f}" if row["limit"] else "—"
        same = "" if row["same"] is None else f" {'yes' if row['same'] else 'NO'} |"
        print(f"| {label} | {row['nodes']:,} | {row['edges']:,} | {row['k']:.1f} | {_fmt(row['cost'])} | {_fmt(best)} "
              f"| {_fmt(xla)} | {ratio} | {_fmt(bound)} | {gap} | {peak} | {row['seconds']:.1f} ({seconds:g}) "
              f"| {row['status']} |{same}", flush=True)
    if ratios:
        mean = float(np.exp(np.mean(np.log(ratios))))
        print(f"\ngeometric mean of cost / best known over {len(ratios)} instances: {mean:.4f}")
    print(f"load average after: {_load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
