"""The resharding planner: every (source, target) pair of layouts on small
grids is planned, and the plan is proved numerically: a function whose
argument has the source layout and whose result has the target layout is
partitioned and checked in the simulator."""

import itertools

import pytest

from autoshard.ir import ir, new_context
from autoshard.sharding import Grid, Sharding
from autoshard.sharding.ir_convert import axis_array_text
from autoshard.sharding.reshard import ReshardError, plan_reshard
from autoshard.transforms import PASSES, PipelineState


def layouts(grid, shape, partial=False):
    out = []
    dims = list(range(len(shape))) + [None]
    for pick in itertools.product(dims, repeat=grid.rank):
        for order in itertools.permutations(range(grid.rank)):
            split = [[] for _ in shape]
            for a in order:
                if pick[a] is not None:
                    split[pick[a]].append(a)
            sh = Sharding(grid.name, tuple(tuple(s) for s in split))
            try:
                sh.check(grid, shape)
            except ValueError:
                continue
            if sh not in out:
                out.append(sh)
    if partial:
        for sh in list(out):
            free = [a for a in range(grid.rank) if a not in sh.split_axis_set]
            if free:
                out.append(Sharding(grid.name, sh.split_axes, (free[0],)))
    return out


def module_text(grid, shape, src, dst):
    t = "tensor<" + "x".join(map(str, shape)) + "xf32>"
    def attrs(sh):
        extra = ""
        if sh.partial_axes:
            extra = f' {{autoshard.partial_axes = array<i16: {", ".join(map(str, sh.partial_axes))}>, autoshard.partial_kind = "sum"}}'
        return f"split_axes = {axis_array_text(sh.split_axes)}{extra}"
    return f"""
shard.grid @g(shape = {grid.shape_text})
func.func @f(%x: {t}) -> {t} {{
  %s = shard.sharding @g {attrs(src)} : !shard.sharding
  %d = shard.sharding @g {attrs(dst)} : !shard.sharding
  %a = shard.shard %x to %s : {t}
  %b = shard.shard %a to %d annotate_for_users : {t}
  return %b : {t}
}}"""


@pytest.mark.parametrize("grid_shape", [(4,), (2, 2), (2, 4)])
def test_every_reshard_is_numerically_exact(grid_shape):
    grid = Grid("g", grid_shape)
    shape = (8, 8)
    ctx = new_context()
    all_layouts = layouts(grid, shape, partial=True)
    checked = 0
    for src in all_layouts:
        for dst in all_layouts:
            try:
                plan_reshard(grid, shape, src, dst)
            except ReshardError:
                assert dst.partial_axes and set(dst.partial_axes) - set(src.partial_axes)
                continue
            module = ir.Module.parse(module_text(grid, shape, src, dst), ctx)
            state = PipelineState()
            PASSES["autoshard-partition"]().run(module, state)
            PASSES["autoshard-verify"](seed=checked).run(module, state)
            checked += 1
    assert checked > len(all_layouts)


def test_collective_choice():
    grid = Grid("g", (2, 4))
    kinds = lambda s, d: [st.kind for st in plan_reshard(grid, (8, 8), s, d)]
    assert kinds(Sharding("g", ((0,),), (1,)), Sharding("g", ((0,), (1,)))) == ["reduce_scatter"]
    assert kinds(Sharding("g", ((0,),), (1,)), Sharding("g", ((0,),))) == ["all_reduce"]
    assert kinds(Sharding("g", ((0,), (1,))), Sharding("g", ((0, 1),))) == ["all_to_all"]
    assert kinds(Sharding("g", ((0,),)), Sharding("g")) == ["all_gather"]
    assert kinds(Sharding("g"), Sharding("g", ((), (1,)))) == ["all_slice"]
