"""Upstream MLIR's own shard-dialect tests (../shared/upstream-tests/shard),
one function at a time (autoshard.tools.function_cases, which
bench/upstream_shard.py uses too), in this process, through
autoshard-partition and autoshard-verify:

- every function with a `shard.shard` op of the positive files passes or
  stops with a located error naming a construct docs/ lists as unsupported;
  none crashes, and the pass count does not fall below the one reached;
- for resharding-partition.mlir, the collectives autoshard emits are the
  ones upstream's CHECK lines name (op, grid, grid axes), function by
  function.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autoshard.tools.driver import run_pipeline
from autoshard.tools.function_cases import POSITIVE_SKIP, Case, file_cases, run_case

ROOT = Path(__file__).resolve().parents[2]
UPSTREAM = ROOT.parent / "shared" / "upstream-tests" / "shard"
needs_upstream = pytest.mark.skipif(not UPSTREAM.is_dir(),
                                    reason=f"{UPSTREAM} is absent (upstream's shard tests live in ../shared)")

# What docs/shardings.md ("Not supported") lists, with the reason.
UNSUPPORTED = (
    "ops with regions other than linalg structured ops are not supported",
    # Invalid in upstream's own tests, whose verifier does not check axes:
    # forward-backward-sharding-propagation.mlir splits on axis 1 of a
    # rank-1 grid, sharding-propagation.mlir @mlp_1d_weight_stationary over
    # axes 1 and 2 of a 1-axis grid.  A located error.
    "is out of range for grid",
)
# The number of annotated functions that pass, as reached; raise it when
# more pass, never lower it.
PASSING = 41
ANNOTATED = 43  # the count: functions with a shard.shard op

_COLLECTIVE = re.compile(r"shard\.(all_gather|all_slice|all_to_all|all_reduce|reduce_scatter)\s+%[\w\[\].:%-]+\s+"
                         r"on\s+@([\w.-]+)\s+grid_axes\s*=\s*\[([\d,\s]*)\]")


def _annotated_cases() -> list[Case]:
    return [c for p in sorted(UPSTREAM.glob("*.mlir")) if p.name not in POSITIVE_SKIP
            for c in file_cases(p) if c.annotated]


def _collectives(lines) -> list[tuple[str, str, tuple[int, ...]]]:
    return [(m.group(1), m.group(2), tuple(int(a) for a in m.group(3).replace(",", " ").split()))
            for line in lines for m in _COLLECTIVE.finditer(line)]


@needs_upstream
def test_annotated_functions_pass_or_name_an_unsupported_construct():
    results = [(c.file, c.function, *run_case(c)) for c in _annotated_cases()]
    assert len(results) == ANNOTATED
    crashes = [r for r in results if r[2] == "crash"]
    assert not crashes, crashes
    unknown = [r for r in results if r[2] == "error" and not any(u in r[3] for u in UNSUPPORTED)]
    assert not unknown, unknown
    passed = sum(r[2] == "pass" for r in results)
    assert passed >= PASSING, f"{passed} of {len(results)} pass: {[r for r in results if r[2] != 'pass']}"


@needs_upstream
def test_resharding_partition_collectives_match_upstream_check_lines():
    cases = file_cases(UPSTREAM / "resharding-partition.mlir")
    assert len(cases) == 11
    source = (UPSTREAM / "resharding-partition.mlir").read_text().split("\n")
    compared = 0
    for case in cases:
        result = run_pipeline(case.text, "builtin.module(autoshard-partition)", case.file)
        assert result.ok, (case.function, result.stderr)
        # Upstream's CHECK lines for this function: from its CHECK-LABEL to the next one.
        start = next(i for i, line in enumerate(source) if re.search(rf"CHECK-LABEL: func @{case.function}$", line))
        end = next((i for i in range(start + 1, len(source)) if "CHECK-LABEL" in source[i]), len(source))
        expected = _collectives(line for line in source[start:end] if "CHECK" in line)
        ours = result.output.split(f"func.func @{case.function}(", 1)[1].split("func.func", 1)[0]
        assert _collectives(ours.split("\n")) == expected, case.function
        compared += bool(expected)
    assert compared == 9  # the functions whose CHECK lines name a collective (2 have none)



# Functions without annotations: hand-partitioned code.  What may stop one,
# each listed in docs/shardings.md with the reason.
UNSUPPORTED_LOCAL = UNSUPPORTED + (
    "nothing was sent to device",  # a shard.recv with no shard.send before it
    "does not split into 4 equal parts",  # ops.mlir's all_to_all of 2 rows over 4 devices
    "cannot make a random value of type memref",  # update_halo on a memref argument
    "moving a value between grids is not supported",  # collectives on two grids in one function
    "is not defined in this function's body",  # ops.mlir @grid_shard_shape uses values it does not define
    "cannot simulate 'shard.shard_shape'",  # ops.mlir @grid_shard_shape: shard_shape is not simulated
    "does not reference a valid function",  # inlining.mlir @main alone: its callee is blanked
    "expected 'scatter_axis'",  # ops.mlir's newer reduce_scatter / scatter syntax (scatter_dim)
    "Undefined required grid symbol",  # simplify.mlir chunks that name a grid of another chunk
)
PASSING_LOCAL = 74


@needs_upstream
def test_hand_partitioned_functions_are_accepted_and_simulated():
    files = ("ops.mlir", "all-scatter-op-lowering.mlir", "process-multi-index-op-lowering.mlir",
             "simplifications.mlir", "simplify.mlir", "canonicalization.mlir", "folding.mlir", "inlining.mlir")
    results = [(c.file, c.function, *run_case(c)) for f in files for c in file_cases(UPSTREAM / f)
               if not c.annotated]
    crashes = [r for r in results if r[2] == "crash"]
    assert not crashes, crashes
    unknown = [r for r in results if r[2] == "error" and not any(u in r[3] for u in UNSUPPORTED_LOCAL)]
    assert not unknown, unknown
    passed = sum(r[2] == "pass" for r in results)
    assert passed >= PASSING_LOCAL, f"{passed} of {len(results)} pass"
