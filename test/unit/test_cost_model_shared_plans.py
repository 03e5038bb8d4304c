"""The cost model plans a resharding once per evenness of the shape
(cost/model.py `_evenness`) and prices it by integer arithmetic
(`_StepFacts`): every answer must be exactly what `plan_reshard` and the
general formulas give for that very shape."""

from __future__ import annotations

import itertools
import random

import pytest

from autoshard.cost import Cluster, CostModel
from autoshard.cost.model import collective_cost, reshard_peak
from autoshard.sharding import Grid, Sharding
from autoshard.sharding.reshard import ReshardError, plan_reshard

CLUSTER = Cluster(peak_flops=1e12, memory_bandwidth=1e9, alpha=1e-6, beta=1e-9)


def layouts(grid: Grid, rank: int) -> list[Sharding]:
    """Every layout of up to two axes per dimension, with and without a
    partial axis, plus a few uneven and haloed ones (the general path)."""
    axes = range(grid.rank)
    groups = [()] + [(a,) for a in axes] + [p for p in itertools.permutations(axes, 2)]
    out = []
    for split in itertools.product(groups, repeat=rank):
        used = [a for g in split for a in g]
        if len(used) != len(set(used)):
            continue
        out.append(Sharding(grid.name, split))
        free = [a for a in axes if a not in used]
        if free:
            out.append(Sharding(grid.name, split, (free[0],)))
    n0 = grid.shape[0]
    out.append(Sharding(grid.name, ((0,),), offsets=(tuple(range(n0)) + (n0 + 3,),)))
    out.append(Sharding(grid.name, ((0,),), halo_sizes=((1, 1),)))
    return out


def direct(grid, shape, itemsize, src, dst):
    try:
        steps = plan_reshard(grid, shape, src, dst)
    except ReshardError:
        return None
    return (tuple(steps), sum(collective_cost(CLUSTER, grid, s, shape, itemsize) for s in steps),
            reshard_peak(grid, shape, itemsize, steps))


@pytest.mark.parametrize("grid_shape", [(2, 4), (2, 3), (8,)])
def test_shared_plans_equal_direct_plans(grid_shape):
    grid = Grid("g", grid_shape)
    rng = random.Random(7)
    sizes = [1, 2, 3, 4, 5, 6, 8, 9, 12, 16, 24, 30, 64]
    model = CostModel(CLUSTER, grid)  # one model: plans are shared across every shape below
    checked = 0
    for rank in (1, 2):
        lays = [s for s in layouts(grid, rank) if len(s.split_axes) <= rank and len(s.offsets) <= rank]
        pairs = [(a, b) for a in lays for b in lays]
        for src, dst in rng.sample(pairs, min(len(pairs), 400)):
            for shape in {tuple(rng.choice(sizes) for _ in range(rank)) for _ in range(4)}:
                try:
                    src.check(grid, shape)
                    dst.check(grid, shape)
                except Exception:
                    continue  # not a layout of this shape
                want = direct(grid, shape, 4, src, dst)
                steps = model.reshard_steps(shape, src, dst)
                got_cost = model.reshard_cost(shape, 4, src, dst)
                got_bytes = model.reshard_bytes(shape, 4, src, dst)
                if want is None:
                    assert steps is None and got_cost is None and got_bytes is None
                else:
                    assert steps == want[0]
                    assert got_cost == want[1]  # to the bit
                    assert got_bytes == want[2]
                checked += 1
    assert checked > 50
    assert len(model._plans) < checked  # plans were shared between shapes
