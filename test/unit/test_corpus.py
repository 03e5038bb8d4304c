"""Every corpus file -- the real exports in /work/shared/corpus (when
present) and the exporter-style files of test/corpus -- on grids 2x4 and 8:

(a) `autoshard` plans it with a sharding rule for every op (no "no sharding
    rule" warning);
(b) under the corpus budget (40% of the all-replicated peak per device, or
    1.01 x the smallest peak the solver reaches where that is infeasible),
    `autoshard,autoshard-partition,autoshard-verify` succeeds.

Each case runs in its own process (autoshard.tools.corpus_check) so that
its memory is its own; bench/corpus.py prints the same cases as a table.

The whole matrix is too slow for CI (2 cores, ~20 min for everything;
measured: (a) 2-15 s per case, (b) 3-100 s per case, ~15 min for (b) over
all files): (a) runs on every case, (b) on CI_FULL_STAGE, small cases that
still cover the families and op kinds (int8 rescale/table, strided convs,
slices, pooling, pad, frozen resource constants, the real exports).
AUTOSHARD_CORPUS=full runs (b) on every case.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autoshard.tools.corpus_check import GRIDS, NO_RULE, check_case, corpus_files

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "corpus"
OWN = ROOT / "test" / "corpus"
TIMEOUT = 900.0
FULL = os.environ.get("AUTOSHARD_CORPUS") == "full"
# Cases whose full check runs in CI: file (relative to its corpus
# directory) -> grids.  The slower of them run on grid 8 only.
CI_FULL_STAGE = {
    "tflite/mlp.fp32.tosa.mlir": ("8",),
    "tflite/resnet_basic_block.fp32.tosa.mlir": GRIDS,
    "torch/mlp.tosa.mlir": GRIDS,
    "torch/mlp.frozen.tosa.mlir": GRIDS,
    "torch/resnet_basic_block.tosa.mlir": GRIDS,
    "tflite/resnet_basic_block.int8.tosa.mlir": GRIDS,
    "tflite/resnet_small.fp32.tosa.mlir": ("8",),
    "torch/resnet_basic_block_s2.tosa.mlir": GRIDS,
    "torch/resnet_basic_block_s2.frozen.tosa.mlir": ("8",),
}


def _cases(full_stage: bool):
    params = []
    for base, label in ((SHARED, "shared"), (OWN, "own")):
        if base == SHARED and not SHARED.is_dir():
            params.append(pytest.param(None, None, id="shared-absent",
                                       marks=pytest.mark.skip(reason=f"{SHARED} is absent")))
            continue
        for path in corpus_files([base]):
            for grid in GRIDS:
                rel = path.relative_to(base).as_posix()
                marks = () if FULL or not full_stage or grid in CI_FULL_STAGE.get(rel, ()) else pytest.mark.skip(
                    reason="not in CI_FULL_STAGE (slow); AUTOSHARD_CORPUS=full or bench/corpus.py runs it")
                params.append(pytest.param(path, grid, id=f"{label}/{rel}@{grid}", marks=marks))
    return params


def test_own_corpus_is_present():
    assert len(corpus_files([OWN])) >= 14


@pytest.mark.parametrize("path,grid", _cases(full_stage=False))
def test_every_op_has_a_rule(path, grid):
    r = check_case(path, grid, "plan", TIMEOUT)
    assert r.ok, r.first_error
    missing = [w for w in r.warnings if NO_RULE in w]
    assert not missing, "; ".join(missing)


@pytest.mark.parametrize("path,grid", _cases(full_stage=True))
def test_plan_partition_verify_under_budget(path, grid):
    r = check_case(path, grid, "full", TIMEOUT)
    assert r.ok, r.first_error
    assert r.peak is not None and r.budget is not None and r.peak <= r.budget, (r.peak, r.budget)


def test_own_corpus_matches_its_generator():
    """test/corpus/*.mlir are what test/corpus/generate.py writes, and verify."""
    proc = subprocess.run([sys.executable, str(OWN / "generate.py"), "--check"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr


def test_budget_falls_back_to_the_smallest_peak(tmp_path):
    """A size 3 tensor splits on no grid axis: 40% of the replicated peak is
    infeasible, so the case runs at 1.01 x the smallest peak instead."""
    from autoshard.tools.corpus_check import INFEASIBLE_SLACK, run_case

    path = tmp_path / "unsplittable.mlir"
    path.write_text("func.func @f(%a: tensor<3xf32>) -> tensor<3xf32> {\n"
                    "  %0 = tosa.exp %a : (tensor<3xf32>) -> tensor<3xf32>\n"
                    "  return %0 : tensor<3xf32>\n}\n")
    r = run_case(path, "2x4", "full")
    assert r.ok, r.first_error
    assert r.budget_rule == "1.01x smallest"
    assert r.replicated_peak * 0.4 < r.peak <= r.budget <= INFEASIBLE_SLACK * r.replicated_peak + 1
