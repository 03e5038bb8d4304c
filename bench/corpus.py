"""The corpus benchmark: every real-model TOSA file planned, partitioned and
verified on grids 2x4 and 8, as a Markdown table.

    .venv/bin/python bench/corpus.py [DIR_OR_FILE ...] [--grids 2x4,8] [--timeout S] [--out docs/corpus.md]

Files: /work/shared/corpus (when present), test/corpus, and any directory
or file given.  Each (file, grid) runs in its own process
(autoshard.tools.corpus_check) with a timeout, under the corpus budget:
40% of the all-replicated peak per device, or 1.01 x the smallest peak the
solver reaches where that is infeasible.  Columns: ops the planner places
and how many have a sharding rule, the modelled cost of the all-replicated
plan, of autoshard's plan and of the Megatron baseline, the plan's peak
against the budget, the outcome of autoshard-verify, wall seconds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

from autoshard.tools.corpus_check import GRIDS, CaseResult, check_case, corpus_files  # noqa: E402
from autoshard.units import format_bytes  # noqa: E402

DEFAULT_DIRS = (ROOT.parent / "shared" / "corpus", ROOT / "test" / "corpus")


def _ms(v: float | None) -> str:
    return "-" if v is None else f"{v:.4f}"


def _short(path: str) -> str:
    p = Path(path).resolve()
    for base in (ROOT.parent / "shared", ROOT):
        if p.is_relative_to(base):
            return str(p.relative_to(base))
    return str(path)


def row(r: CaseResult) -> str:
    ratio = f"{r.plan_ms / r.replicated_ms:.3f}" if r.plan_ms is not None and r.replicated_ms else "-"
    vs_meg = f"{r.plan_ms / r.megatron_ms:.3f}" if r.plan_ms is not None and r.megatron_ms else "-"
    peak = "-" if r.peak is None else format_bytes(r.peak)
    budget = "-" if r.budget is None else f"{format_bytes(r.budget)} ({r.budget_rule})"
    verdict = "ok" if r.ok else "FAIL: " + (r.first_error or "?").replace("|", "\\|")[:160]
    return (f"| {_short(r.file)} | {r.grid} | {r.ops} | {r.ruled} | {_ms(r.replicated_ms)} | {_ms(r.plan_ms)} | "
            f"{_ms(r.megatron_ms)} | {ratio} | {vs_meg} | {peak} | {budget} | {verdict} | {r.seconds:.1f} |")


HEAD = ("| file | grid | ops | with rule | replicated ms | plan ms | Megatron ms | plan / repl. | plan / Megatron "
        "| peak | budget | verify | s |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="more corpus directories or files")
    parser.add_argument("--grids", default=",".join(GRIDS))
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per (file, grid)")
    parser.add_argument("--out", type=Path, help="also write the table to this Markdown file")
    args = parser.parse_args(argv)
    for p in args.paths:
        if not p.exists():
            print(f"{p}: error: no such file or directory", file=sys.stderr)
            return 1
    files = corpus_files(list(DEFAULT_DIRS) + list(args.paths))
    if not files:
        print("bench/corpus.py: error: no corpus files found", file=sys.stderr)
        return 1
    lines = [HEAD]
    print(HEAD, flush=True)
    failed = 0
    for path in files:
        for grid in args.grids.split(","):
            r = check_case(path, grid, "full", args.timeout)
            failed += not r.ok
            lines.append(row(r))
            print(lines[-1], flush=True)
    summary = f"\n{len(lines) - 1} cases, {len(lines) - 1 - failed} ok, {failed} failed."
    print(summary)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        title = ("# Corpus benchmark\n\n`bench/corpus.py`: each file on each grid under the corpus budget "
                 "(40% of the all-replicated peak per device, or 1.01 x the smallest feasible peak); modelled "
                 "costs in ms; `s` is wall time of the case (plan, partition, verify).\n\n")
        args.out.write_text(title + "\n".join(lines) + "\n" + summary + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
