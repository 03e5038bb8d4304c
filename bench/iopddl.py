"""Benchmark autoshard-solve on Google's IOPDDL contest instances.

    python bench/iopddl.py [DIR] [--threads N] [--seed N] [--scale F] [--only A,G]

Runs every asplos-2025-iopddl-*.json.gz in DIR (default ../shared/iopddl
relative to the repository root) through the CLI, each with its contest time
limit (times --scale), checks every answer with the independent evaluator,
and prints a markdown table.
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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))

from autoshard.solver import evaluate, read_problem  # noqa: E402

# Contest time limits (seconds), best known costs, and XLA's costs.
CONTEST = {
    "A": (60, 6_548_641_531, 13_214_846_074),
    "G": (120, 217_039, 1_264_777),
    "M": (180, 49_928_460_991, None),
    "S": (240, 1_534_613_444, None),
}


def _instances(directory: str, only):
    for name in sorted(os.listdir(directory)):
        match = re.fullmatch(r"asplos-2025-iopddl-(\w+)\.json(\.gz)?", name)
        if match and (not only or match[1] in only):
            yield match[1], os.path.join(directory, name)


def _run(label: str, path: str, seconds: float, threads: int, seed: int) -> dict:
    problem = read_problem(path)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "solution.json")
        command = [sys.executable, "-m", "autoshard.tools.solve", path, "--time-limit", str(seconds),
                   "--threads", str(threads), "--seed", str(seed), "-o", out]
        start = time.monotonic()
        run = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python")))
        wall = time.monotonic() - start
        if run.returncode != 0:
            raise SystemExit(f"{label}: autoshard-solve failed:\n{run.stderr}")
        with open(out) as f:
            assignment = json.load(f)["solution"]
    cost, peak = evaluate(problem, assignment)
    status = re.search(r"status: (\w+)", run.stdout)[1]
    ks = [len(c) for c in problem.costs]
    return dict(label=label, nodes=problem.num_nodes, edges=problem.num_edges, k=sum(ks) / len(ks), cost=cost,
                peak=peak, limit=problem.usage_limit, seconds=wall, status=status)


def _fmt(value) -> str:
    return "—" if value is None else f"{value:,}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", nargs="?", default=os.path.join(ROOT, "..", "shared", "iopddl"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the contest time limits")
    parser.add_argument("--only", default="", help="comma-separated instance letters")
    args = parser.parse_args(argv)
    only = {s for s in args.only.split(",") if s}
    header = ("| instance | nodes | edges | mean strategies | cost | best known | XLA | cost/best known "
              "| peak/limit | seconds (limit) | status |")
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    for label, path in _instances(args.directory, only):
        limit, best, xla = CONTEST.get(label, (60, None, None))
        seconds = limit * args.scale
        row = _run(label, path, seconds, args.threads, args.seed)
        ratio = f"{row['cost'] / best:.3f}" if best else "—"
        peak = f"{row['peak'] / row['limit']:.3f}" if row["limit"] else "—"
        print(f"| {label} | {row['nodes']:,} | {row['edges']:,} | {row['k']:.1f} | {_fmt(row['cost'])} | {_fmt(best)} "
              f"| {_fmt(xla)} | {ratio} | {peak} | {row['seconds']:.1f} ({seconds:g}) | {row['status']} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
