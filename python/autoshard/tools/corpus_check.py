"""One corpus case: a real-model TOSA file planned, partitioned and verified
on one grid under the corpus memory rule.  Shared by bench/corpus.py and
test/unit/test_corpus.py so that both apply the same budget.

The budget rule: 40% of the peak memory per device of the all-replicated
plan (what every device holds with no sharding at all).  Where the solver
proves that infeasible, 1.01 x the smallest peak it reports.

    python -m autoshard.tools.corpus_check FILE --grid 2x4 [--stage plan|full]

prints one JSON object (the `CaseResult` fields) on stdout and exits 0
whether or not the case passed (`ok` says); a missing file is an error
(exit 1).  `check_case` runs that in a child process with a timeout, so
that each case's memory is its own and a hung case cannot stop the others.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

GRIDS = ("2x4", "8")
BUDGET_FRACTION = 0.4
INFEASIBLE_SLACK = 1.01
NO_RULE = "no sharding rule"
PLAN_TIME_LIMIT = 2.0  # seconds, stage 'plan'

_SMALLEST_PEAK = re.compile(r"the smallest peak the solver reached is ([\d.]+ [KMGT]?i?B)")


@dataclass
class CaseResult:
    file: str
    grid: str
    stage: str
    # Filled by stage 'full' only:
    ops: int = 0  # ops with tensor results: what the planner places
    ruled: int = 0  # of those, ops with a sharding rule
    unruled_kinds: list = field(default_factory=list)  # op names without a rule
    replicated_peak: int = 0  # bytes per device, all-replicated plan
    replicated_ms: float = 0.0  # modelled cost of the all-replicated plan
    budget: int | None = None  # bytes per device given to the solver
    budget_rule: str = ""  # "40%" or "1.01x smallest"
    plan_ms: float | None = None
    megatron_ms: float | None = None
    megatron_within_budget: bool | None = None
    peak: int | None = None  # bytes per device of the plan
    ok: bool = False
    first_error: str = ""
    warnings: list = field(default_factory=list)
    seconds: float = 0.0


def corpus_files(dirs) -> list[Path]:
    """Every `*.mlir` under the given directories (that exist), sorted."""
    out = []
    for d in dirs:
        d = Path(d)
        if d.is_dir():
            out.extend(sorted(d.rglob("*.mlir")))
        elif d.is_file():
            out.append(d)
    return out


def _bytes(text: str) -> int:
    from autoshard.units import parse_bytes

    return parse_bytes(text.replace(" ", ""), "memory")


def replicated_plan(text: str, source_name: str, grid_text: str) -> tuple[int, int, int, list, int]:
    """(ops, ops with a rule, peak bytes per device, unruled op names,
    modelled cost in ps) of the plan that keeps every value replicated,
    over all entry functions (peak: the largest; cost: the sum)."""
    from autoshard.cost import Cluster, CostModel
    from autoshard.graph import build_graph
    from autoshard.ir import new_context
    from autoshard.ir.loader import load_module
    from autoshard.planner import build_problem
    from autoshard.sharding import Grid
    from autoshard.solver import evaluate
    from autoshard.transforms.common import entry_functions, find_grid

    ctx = new_context()
    module = load_module(text, source_name, ctx)
    with ctx:
        grid = find_grid(module) or Grid("grid", Grid.parse_shape(grid_text))
        model = CostModel(Cluster(), grid)
        ops = ruled = peak = cost = 0
        unruled: set[str] = set()
        for func_op in entry_functions(module):
            pp = build_problem(build_graph(func_op, grid), model, None)
            choice = []
            for node in pp.nodes:
                # The first strategy whose every result is replicated; nodes
                # with a single (fixed) strategy keep it.
                j = next((j for j, shs in enumerate(node.results) if all(s.is_replicated for s in shs)), 0)
                choice.append(j)
            c, p = evaluate(pp.problem, choice)
            op_nodes = [n for n in pp.nodes if n.kind == "op"]
            ops += len(op_nodes)
            ruled += sum(n.rule is not None for n in op_nodes)
            unruled.update(op.name for op in pp.unruled)
            peak, cost = max(peak, p), cost + c
    return ops, ruled, peak, sorted(unruled), cost


def _pipeline(grid: str, budget: int | None, stage: str) -> str:
    opts = f"grid={grid}" + (f" memory-budget={budget}B" if budget else "")
    # 'plan' only asks whether every op has a rule and a plan comes out: no
    # baseline to solve, and a short solver limit (the plan need not be the best).
    opts += "" if stage == "full" else f" baseline=none time-limit={PLAN_TIME_LIMIT:g}"
    tail = ",autoshard-partition,autoshard-verify" if stage == "full" else ""
    return f"builtin.module(autoshard{{{opts}}}{tail})"


def _first_error(stderr: str) -> str:
    for line in stderr.splitlines():
        if ": error: " in line or line.startswith("error:"):
            return line.strip()
    return ""


def _read_reports(res: CaseResult, reports) -> None:
    """Plan cost, peak and Megatron cost from the reports' data (one per
    entry function): costs add up, the peak is the largest."""
    datas = [r.data for r in reports if getattr(r, "data", None)]
    if not datas:
        return
    res.plan_ms = sum(d["totals"]["cost_s"] for d in datas) * 1e3
    res.peak = max(d["totals"]["peak_memory_bytes"] for d in datas)
    megatron = [d["baselines"].get("megatron") for d in datas]
    if megatron and all(m is not None for m in megatron):
        res.megatron_ms = sum(m["cost_s"] for m in megatron) * 1e3
        res.megatron_within_budget = all(m["within_budget"] for m in megatron)


def run_case(path: Path, grid: str, stage: str = "full") -> CaseResult:
    """The case in this process.  stage 'plan': `autoshard` with no budget
    (does every op have a rule?); 'full': plan under the corpus budget,
    partition, verify."""
    from autoshard.diagnostics import AutoshardError
    from autoshard.tools.driver import run_pipeline

    start = time.perf_counter()
    res = CaseResult(str(path), grid, stage)
    text = path.read_text()
    if stage == "full":  # the replicated plan sets the budget; 'plan' needs none
        try:
            res.ops, res.ruled, res.replicated_peak, res.unruled_kinds, cost = replicated_plan(text, str(path), grid)
        except AutoshardError as err:
            where = f"{path}:{err.loc.line}:{err.loc.col}" if err.loc is not None else str(path)
            res.first_error = f"{where}: error: {err.message}"
            res.seconds = time.perf_counter() - start
            return res
        from autoshard.planner.builder import PS_PER_S

        res.replicated_ms = cost / PS_PER_S * 1e3
        res.budget, res.budget_rule = math.ceil(BUDGET_FRACTION * res.replicated_peak), "40%"
    out = run_pipeline(text, _pipeline(grid, res.budget, stage), str(path))
    smallest = _SMALLEST_PEAK.search(out.stderr)
    if stage == "full" and not out.ok and smallest:
        res.budget = math.ceil(INFEASIBLE_SLACK * _bytes(smallest.group(1)))
        res.budget_rule = "1.01x smallest"
        out = run_pipeline(text, _pipeline(grid, res.budget, stage), str(path))
    _read_reports(res, out.reports)
    res.warnings = [line.strip() for line in out.stderr.splitlines() if ": warning: " in line]
    res.ok = out.ok and out.internal_error is None
    if out.internal_error is not None:
        res.first_error = f"{path}: internal error: {out.internal_error}"
    elif not out.ok:
        res.first_error = _first_error(out.stderr) or (out.stderr.strip().splitlines() or ["failed, no message"])[0]
    res.seconds = time.perf_counter() - start
    return res


def check_case(path: Path, grid: str, stage: str = "full", timeout: float = 600.0) -> CaseResult:
    """`run_case` in a child process (own memory, killed after `timeout` s)."""
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "autoshard.tools.corpus_check", str(path), "--grid", grid, "--stage", stage]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return CaseResult(str(path), grid, stage, first_error=f"timed out after {timeout:g} s",
                          seconds=time.perf_counter() - start)
    try:
        return CaseResult(**json.loads(proc.stdout))
    except (ValueError, TypeError):
        tail = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
        return CaseResult(str(path), grid, stage, first_error=f"child process failed: {tail}",
                          seconds=time.perf_counter() - start)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="one corpus case as JSON")
    parser.add_argument("file", type=Path)
    parser.add_argument("--grid", default="2x4")
    parser.add_argument("--stage", choices=("plan", "full"), default="full")
    args = parser.parse_args(argv)
    if not args.file.is_file():
        print(f"{args.file}: error: no such file", file=sys.stderr)
        return 1
    print(json.dumps(asdict(run_case(args.file, args.grid, args.stage)), sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
