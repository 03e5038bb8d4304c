"""The main job end to end, through the autoshard-opt entry point: the seed's
example, the MLP acceptance plans, the numerical check, and the corpus."""

import io
import re
from pathlib import Path

import pytest

from autoshard.tools.opt import run

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"


def opt(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = run([str(a) for a in argv], io.StringIO(), out, err)
    return code, out.getvalue(), err.getvalue()


_SECONDS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9, "ps": 1e-12}


def report_costs(report: str) -> tuple[float, float]:
    """(ours, Megatron) in seconds, from the text report ("5.01 us")."""
    def seconds(pattern):
        m = re.search(pattern + r" ([\d.]+) (s|ms|us|ns|ps)\b", report)
        return float(m.group(1)) * _SECONDS[m.group(2)]

    return seconds("total modelled cost:"), seconds("baseline megatron:")


def test_seed_example_verbatim_main_pipeline():
    code, out, err = opt(EXAMPLES / "seed_matmul_legacy.mlir",
                         "--pass-pipeline=builtin.module(autoshard,autoshard-partition)")
    assert code == 0, err
    assert "tensor<8x1000x512xf32>" in out and "tensor<8x512x8192xf32>" in out
    # the result stays partial over grid axis 1, as annotated: no collective at all
    assert "shard.all_reduce" not in out and "reduce_scatter" not in out
    assert re.search(r"-> \(tensor<8x1000x8192xf32> \{[^}]*autoshard.partial_axes = array<i16: 1>", out)


@pytest.mark.parametrize("grid", ["8", "2x4"])
def test_mlp_plan_is_no_worse_than_megatron(grid):
    code, out, err = opt(EXAMPLES / "mlp.mlir", f"--autoshard=grid={grid} memory-budget=160MiB",
                         "--plan-report")
    assert code == 0, err
    ours, mega = report_costs(err)
    assert ours <= mega * (1 + 1e-9)
    peak = re.search(r"peak memory per device: ([\d.]+) MiB", err)
    assert peak and float(peak.group(1)) <= 160


@pytest.mark.parametrize("grid", ["8", "2x4"])
def test_mlp_small_numerical_check(grid):
    # A budget that forces the weights to be sharded, so real collectives run.
    code, out, err = opt(EXAMPLES / "mlp_small.mlir",
                         f"--pass-pipeline=builtin.module(autoshard{{grid={grid} memory-budget=12KiB}},"
                         "autoshard-partition,autoshard-verify)")
    assert code == 0, err
    assert "shard.all_" in out or "shard.reduce_scatter" in out


def test_determinism():
    args = (EXAMPLES / "mlp.mlir", "--autoshard=grid=2x4 memory-budget=160MiB", "--autoshard-partition")
    assert opt(*args)[1] == opt(*args)[1]


@pytest.mark.skipif(not SHARED.exists(), reason="../shared (the corpus) is not present")
@pytest.mark.parametrize("path", ["corpus/torch/mlp.tosa.mlir", "corpus/tflite/mlp.fp32.tosa.mlir"])
def test_corpus_runs_on_grid_2x4(path):
    code, out, err = opt(SHARED / path, "--pass-pipeline=builtin.module(autoshard{grid=2x4},autoshard-partition)")
    assert code == 0, err
    assert "warning" not in err


@pytest.mark.skipif(not SHARED.exists(), reason="../shared (the corpus) is not present")
@pytest.mark.parametrize("path", ["corpus/torch/mlp.tosa.mlir", "corpus/tflite/mlp.fp32.tosa.mlir"])
def test_corpus_numerical_check(path):
    # A budget that forces sharding (the weights are 16 MiB each).
    code, out, err = opt(SHARED / path, "--pass-pipeline=builtin.module(autoshard{grid=2x4 memory-budget=24MiB},"
                         "autoshard-partition,autoshard-verify)")
    assert code == 0, err


@pytest.mark.skipif(not SHARED.exists(), reason="../shared (the corpus) is not present")
def test_gpt2_block_under_a_binding_budget_is_numerically_exact():
    # A real torch-mlir GPT-2 block (f64 LayerNorm statistics, causal mask
    # with -inf, tanh-GELU via pow): 16 MiB per device forces sharding.
    code, out, err = opt(SHARED / "corpus/torch/gpt2_block.tosa.mlir",
                         "--pass-pipeline=builtin.module(autoshard{grid=2x4 memory-budget=16MiB time-limit=5 baseline=none},"
                         "autoshard-partition,autoshard-verify)", "--plan-report")
    assert code == 0, err
    assert "of budget 16.00 MiB" in err
