"""autoshard-verify for functions that are already SPMD code: the input
held collectives or device queries (hand-partitioned code, upstream's own
shard tests).  autoshard-partition left those ops as they were, so the kept
original cannot run on one device.  It runs on the simulated grid too, and
each device's SPMD results are compared with that device's original results
(its block of them, where the result layout is split).

Inputs: a function with no `shard.shard` annotation gets different random
arguments on every device, so the collectives move distinct data.  A
function that also has annotations gets the same global arguments on every
device, because its annotations describe replicated values that must agree.
"""

from __future__ import annotations

import numpy as np


# shard ops that run on one device as well as on a grid.
_DEVICE_FREE = ("shard.shard", "shard.sharding", "shard.get_sharding")


def runs_on_grid(func_op) -> bool:
    """Whether `func_op` holds an op that needs a device grid."""
    return any(op.operation.name.startswith("shard.") and op.operation.name not in _DEVICE_FREE
               for op in func_op.regions[0].blocks[0].operations)


def named_grid(func_op) -> str | None:
    """The grid the first shard op of `func_op` names (a function whose
    arguments and results are no tensors records none at its boundary)."""
    for op in func_op.regions[0].blocks[0].operations:
        op = op.operation
        if op.name.startswith("shard.") and "grid" in op.attributes:
            return op.attributes["grid"].value
    return None


def is_annotated(func_op) -> bool:
    return any(op.operation.name == "shard.shard" for op in func_op.regions[0].blocks[0].operations)


def device_block(grid, sh, dev, value: np.ndarray) -> np.ndarray:
    """`dev`'s block of `value` under layout `sh` (no partial axes)."""
    local = sh.local_shape(grid, value.shape)
    index = []
    for d, n in enumerate(local):
        pos = 0
        for a in sh.dim_axes(d):
            pos = pos * grid.shape[a] + dev[a]
        index.append(slice(pos * n, (pos + 1) * n))
    return value[tuple(index)]


