"""Uneven splits (sharded_dims_offsets) and halos: the model, resharding,
the planner's choice and its cost, and partition + verify end to end."""

from __future__ import annotations

import io

import pytest

from autoshard.cost import CostModel
from autoshard.cost.cluster import Cluster
from autoshard.rules import OpInfo, TensorInfo, rule_for
from autoshard.sharding import Grid, Sharding, ShardingError
from autoshard.sharding.model import balanced_offsets
from autoshard.sharding.reshard import plan_reshard
from autoshard.tools.opt import run

G4 = Grid("g", (4,))
G22 = Grid("g", (2, 2))


def test_balanced_offsets_put_the_larger_blocks_first():
    assert balanced_offsets(10, 4) == (0, 3, 6, 8, 10)
    assert balanced_offsets(8, 4) == (0, 2, 4, 6, 8)
    assert balanced_offsets(7, 3) == (0, 3, 5, 7)


def test_balanced_offsets_are_the_canonical_default():
    written = Sharding("g", ((0,),), offsets=((0, 3, 6, 8, 10),))
    assert written.canonical(G4, (10,)) == Sharding("g", ((0,),))
    explicit = Sharding("g", ((0,),), offsets=((0, 1, 4, 5, 6),))
    assert explicit.canonical(G4, (6,)).offsets == ((0, 1, 4, 5, 6),)
    assert Sharding("g", ((0,),), halo_sizes=((0, 0),)) == Sharding("g", ((0,),))


def test_local_and_spmd_shapes_of_uneven_and_haloed_layouts():
    sh = Sharding("g", ((0,),))
    assert sh.local_shape(G4, (10, 5)) == (3, 5)  # the busiest device
    assert sh.spmd_shape(G4, (10, 5)) == (-1, 5)  # dynamic: the blocks differ
    assert [sh.block(G4, (10, 5), (i,))[0] for i in range(4)] == [(0, 3), (3, 6), (6, 8), (8, 10)]
    assert sh.spmd_shape(G4, (8, 5)) == (2, 5)
    explicit = Sharding("g", ((0,),), offsets=((0, 1, 4, 5, 6),))
    assert explicit.local_shape(G4, (6,)) == (3,) and explicit.block(G4, (6,), (1,)) == ((1, 4),)
    halo = Sharding("g", ((0,), (1,)), halo_sizes=((1, 2), (3, 4)))
    assert halo.local_shape(Grid("g", (4, 4)), (1200, 1200)) == (303, 307)
    assert halo.block(Grid("g", (4, 4)), (1200, 1200), (1, 2)) == ((300, 600), (600, 900))


@pytest.mark.parametrize("sh, shape, message", [
    (Sharding("g", ((0,),), offsets=((0, 3, 2, 5, 6),)), (6,), "non-decreasing"),
    (Sharding("g", ((0,),), offsets=((0, 3, 6),)), (6,), "needs 5 sharded_dims_offsets, got 3"),
    (Sharding("g", ((0,),), offsets=((0, 1, 2, 3, 7),)), (6,), "from 0 to its size 6"),
    (Sharding("g", ((), (0,)), offsets=((0, 1, 2, 3, 6),)), (6, 6), "dimension 0, which is not split"),
    (Sharding("g", ((0, 1),), offsets=((0, 1, 2, 3, 7),)), (7,), "several grid axes"),
    (Sharding("g", ((0,),), halo_sizes=((3, 1),)), (8,), "larger than its block of 2"),
    (Sharding("g", ((0,),), halo_sizes=((1, 1),)), (10,), "need an even split"),
    (Sharding("g", ((), (0,)), halo_sizes=((1, 1),)), (8, 8), "which is not split"),
    (Sharding("g", ((0,),), halo_sizes=((-1, 1),)), (8,), "non-negative"),
    (Sharding("g", ((0,),)), (3,), "cannot be split into 4 shards"),
])
def test_malformed_offsets_and_halos_are_reported(sh, shape, message):
    grid = G22 if len(sh.dim_axes(0)) == 2 else G4
    with pytest.raises(ShardingError, match=message):
        sh.check(grid, shape)


def test_uneven_dimensions_are_gathered_and_sliced_whole():
    src = Sharding("g", ((0,),))
    steps = plan_reshard(G4, (10, 8), src, Sharding("g", ((), (0,))))
    assert [s.kind for s in steps] == ["all_gather", "all_slice"]  # no all_to_all of uneven blocks
    partial = Sharding("g", (), (0,))
    steps = plan_reshard(G4, (10,), partial, Sharding("g", ((0,),)))
    assert [s.kind for s in steps] == ["all_reduce", "all_slice"]  # no reduce_scatter into uneven blocks
    steps = plan_reshard(G4, (8,), partial, Sharding("g", ((0,),)))
    assert [s.kind for s in steps] == ["reduce_scatter"]
    explicit = Sharding("g", ((0,),), offsets=((0, 1, 4, 5, 6),))
    steps = plan_reshard(G4, (6,), explicit, src)
    assert [s.kind for s in steps] == ["all_gather", "all_slice"]


def test_halos_are_dropped_first_and_filled_last():
    core, halo = Sharding("g", ((0,),)), Sharding("g", ((0,),), halo_sizes=((2, 1),))
    assert [s.kind for s in plan_reshard(G4, (8, 4), core, halo)] == ["halo_fill"]
    assert [s.kind for s in plan_reshard(G4, (8, 4), halo, core)] == ["halo_drop"]
    other = Sharding("g", ((0,),), halo_sizes=((1, 1),))
    assert [s.kind for s in plan_reshard(G4, (8, 4), halo, other)] == ["halo_drop", "halo_fill"]
    assert [s.kind for s in plan_reshard(G4, (8, 4), halo, Sharding("g"))] == ["halo_drop", "all_gather"]


def _matmul(m):
    f32 = lambda *s: TensorInfo(s, "f32", 4)  # noqa: E731
    return OpInfo("tosa.matmul", (f32(1, m, 5), f32(1, 5, 5), f32(1), f32(1)), (f32(1, m, 5),))


def test_uneven_strategies_are_offered_and_costed_by_the_busiest_device():
    rule = rule_for(_matmul(10))
    strategies = rule.strategies(G4)
    assert ((), (0,), (), ()) in strategies  # m = 10 on 4: 3, 3, 2, 2 rows
    assert rule.effective_shards(G4, ((), (0,), (), ())) == pytest.approx(10 / 3)
    assert rule.effective_shards(G4, ((), (), (0,), ())) == pytest.approx(5 / 2)
    # Two uneven factors in one strategy are never offered (one uneven dim per tensor).
    assert not rule.valid(Grid("g", (4, 4)), ((), (0,), (1,), ()))
    # Ops whose SPMD form computes offsets from even blocks do not split unevenly.
    f32 = TensorInfo((10, 4), "f32", 4)
    reshape = rule_for(OpInfo("tosa.reshape", (f32, None), (TensorInfo((40,), "f32", 4),), (), (None, (40,))))
    assert reshape is not None and not reshape.plain_local
    assert all(not s[0] for s in reshape.strategies(G4))


def test_uneven_blocks_are_costed_as_the_largest_block():
    model = CostModel(Cluster(), G4)
    sh = Sharding("g", ((0,),))
    assert model.local_bytes((10, 5), 4, sh) == 3 * 5 * 4
    # Gathering uneven blocks moves the padded blocks: 4 x 3 rows, not 10.
    gather = model.reshard_cost((10, 5), 4, sh, Sharding("g"))
    even = model.reshard_cost((12, 5), 4, sh, Sharding("g"))
    assert gather == pytest.approx(even)


def opt(text, pipeline):
    out, err = io.StringIO(), io.StringIO()
    code = run(["-", f"--pass-pipeline=builtin.module({pipeline})", "--plan-report"], io.StringIO(text), out, err)
    return code, out.getvalue(), err.getvalue()


_MATMUL = """
func.func @mm(%a: tensor<1xMx5xf32>, %b: tensor<1x5x5xf32>) -> tensor<1xMx5xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %0 = tosa.matmul %a, %b, %z, %z : (tensor<1xMx5xf32>, tensor<1x5x5xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1xMx5xf32>
  %1 = tosa.tanh %0 : (tensor<1xMx5xf32>) -> tensor<1xMx5xf32>
  return %1 : tensor<1xMx5xf32>
}
"""


def test_m10_on_grid_4_is_planned_uneven_partitioned_with_offsets_and_verified():
    code, out, err = opt(_MATMUL.replace("M", "10"), "autoshard{grid=4},autoshard-partition,autoshard-verify")
    assert code == 0, err
    assert "sharded_dims_offsets = [0, 3, 6, 8, 10]" in out
    assert "tensor<1x?x5xf32>" in out
    assert "m:[0] (uneven)" in err and "autoshard-verify @mm: 1 result and 3 intermediate values match" in err


def test_even_split_wins_where_the_dimension_divides():
    code, out, err = opt(_MATMUL.replace("M", "8"), "autoshard{grid=4},autoshard-partition,autoshard-verify")
    assert code == 0, err
    assert "sharded_dims_offsets" not in out and "tensor<1x2x5xf32>" in out
    assert "m:[0] " in err and "(uneven)" not in err and "autoshard-verify @mm: 1 result" in err


def test_uneven_blocks_move_through_collectives_and_verify():
    # Replicated arguments and result, the 10 rows of the sum annotated split
    # unevenly: slice into uneven blocks, gather them back (padded all_gather
    # + concat).  (A budget forced the split before arguments were counted
    # for the whole function; with replicated arguments held throughout, the
    # split plan now needs more memory than the replicated one.)
    text = """
shard.grid @grid(shape = 4)
func.func @ew(%a: tensor<10x6xf32>, %b: tensor<10x6xf32>) -> tensor<10x6xf32> {
  %r = shard.sharding @grid split_axes = [[]] : !shard.sharding
  %u = shard.sharding @grid split_axes = [[0]] sharded_dims_offsets = [0, 3, 6, 8, 10] : !shard.sharding
  %ar = shard.shard %a to %r : tensor<10x6xf32>
  %br = shard.shard %b to %r : tensor<10x6xf32>
  %0 = tosa.add %ar, %br : (tensor<10x6xf32>, tensor<10x6xf32>) -> tensor<10x6xf32>
  %s0 = shard.shard %0 to %u : tensor<10x6xf32>
  %1 = tosa.tanh %s0 : (tensor<10x6xf32>) -> tensor<10x6xf32>
  %2 = tosa.exp %1 : (tensor<10x6xf32>) -> tensor<10x6xf32>
  %3 = shard.shard %2 to %r : tensor<10x6xf32>
  return %3 : tensor<10x6xf32>
}
"""
    code, out, err = opt(text, "autoshard{memory-budget=2KiB},autoshard-partition")
    assert code == 0, err
    assert "tensor<?x6xf32>" in out and "dense<[0, 3, 6, 8, 10]> : tensor<5xindex>" in out
    assert "tensor<3x6xf32> -> tensor<12x6xf32>" in out  # the padded gather
    code, _, err = opt(out, "autoshard-verify")
    assert code == 0 and "autoshard-verify @ew: 1 result" in err, err
    # Devices cutting other blocks than their layout says are caught.
    broken = out.replace("dense<[0, 3, 6, 8, 10]> : tensor<5xindex>", "dense<[0, 2, 5, 8, 10]> : tensor<5xindex>")
    code, _, err = opt(broken, "autoshard-verify")
    assert code == 1 and "numerical check failed" in err, err


