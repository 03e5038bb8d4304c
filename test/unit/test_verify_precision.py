"""precision=auto: float64 wherever the float64 check is cheap.

Scores summed over a split contraction and fed to exp are ill-conditioned:
two f32 summation orders differ by an ulp of the scores, which exp turns
into a relative error far over rtol.  In float64 both programs agree."""

from __future__ import annotations

import pytest

from autoshard.api import run_pipeline
from autoshard.diagnostics import AutoshardError
from autoshard.ir import ir, new_context
from autoshard.transforms import verify

# x is scaled by a non-dyadic constant and w shifted by 1024, so the scores
# are about 10^4 apart from their row's common part and only a few units
# apart from each other: exp sees their rounding.  The contraction dimension
# is split over the grid, so the SPMD program sums per-device partials.
SCORES = """
shard.grid @g(shape = 2)
func.func @f(%x: tensor<1x4x64xf32>, %w: tensor<1x64x64xf32>) -> tensor<1x4x64xf32> {
  %sx = shard.sharding @g split_axes = [[], [], [0]] : !shard.sharding
  %sw = shard.sharding @g split_axes = [[], [0]] : !shard.sharding
  %xa = shard.shard %x to %sx annotate_for_users : tensor<1x4x64xf32>
  %wa = shard.shard %w to %sw annotate_for_users : tensor<1x64x64xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %c = "tosa.const"() <{values = dense<2.0123> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
  %off = "tosa.const"() <{values = dense<1024.0> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
  %wo = tosa.add %wa, %off : (tensor<1x64x64xf32>, tensor<1x1x1xf32>) -> tensor<1x64x64xf32>
  %xc = tosa.mul %xa, %c, %shift : (tensor<1x4x64xf32>, tensor<1x1x1xf32>, tensor<1xi8>) -> tensor<1x4x64xf32>
  %s = tosa.matmul %xc, %wo, %zp, %zp : (tensor<1x4x64xf32>, tensor<1x64x64xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x64xf32>
  %mx = tosa.reduce_max %s {axis = 2 : i32} : (tensor<1x4x64xf32>) -> tensor<1x4x1xf32>
  %d = tosa.sub %s, %mx : (tensor<1x4x64xf32>, tensor<1x4x1xf32>) -> tensor<1x4x64xf32>
  %e = tosa.exp %d : (tensor<1x4x64xf32>) -> tensor<1x4x64xf32>
  return %e : tensor<1x4x64xf32>
}
"""

PIPELINE = "builtin.module(autoshard{{grid=2}},autoshard-partition,autoshard-verify{{{options}}})"


def _verify(options: str) -> str:
    with new_context():
        module = ir.Module.parse(SCORES)
        return run_pipeline(module, PIPELINE.format(options=options)).reports[-1]


def test_float64_check_passes_where_f32_orders_differ():
    assert "match on grid 2" in _verify("precision=f64")
    with pytest.raises(AutoshardError, match="numerical check failed"):
        _verify("precision=f32")


def test_auto_takes_float64_when_the_check_is_small(monkeypatch):
    # As if the arguments held more floats than the float-count rule allows:
    # auto still picks float64, the check needing a few KiB.
    monkeypatch.setattr(verify, "_WIDE_FLOATS_LIMIT", 0)
    assert "match on grid 2" in _verify("")
    monkeypatch.setattr(verify, "_WIDE_RUN_BYTES", 0)
    with pytest.raises(AutoshardError, match="numerical check failed"):
        _verify("")
