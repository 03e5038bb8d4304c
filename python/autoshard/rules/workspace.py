"""Memory an op's SPMD form holds while it runs, beyond its operands (in the
layouts its strategy reads) and its results: the temporaries rules/local.py
creates, per device, in bytes.  The planner counts it at the op's time
point so that the modelled peak never falls below what the SPMD program
holds (sim/liveness.py measures it).

- a split window with a halo: `tosa.pad` of the local block and
  `shard.update_halo` of that, live together (twice the extended block),
  for each split window in turn (the extended block grows with each);
- a split contraction with a bias: a zero splat and the selected bias,
  each of the bias's local size, and the one-element predicate;
- an output-only split computed whole then sliced (pad, concat, a tile
  that is not whole copies): the whole result along the split dimensions;
- reverse along a split dimension: the block of the operand it reverses;
- a linalg op with a split sum or product: per init not filled with the
  identity, the identity splat and the selected init (rules/local.py
  `_structured`).
"""

from __future__ import annotations

from math import prod

from autoshard.rules.factor import FactorRule, OpInfo
from autoshard.rules.linalg import IDENTITY
from autoshard.sharding import Grid

_WHOLE_THEN_SLICE = ("tosa.pad", "tosa.concat")
_WINDOWED = ("tosa.conv2d", "tosa.conv3d", "tosa.depthwise_conv2d", "tosa.transpose_conv2d",
             "tosa.max_pool2d", "tosa.avg_pool2d")
_BIASED = ("tosa.conv2d", "tosa.conv3d", "tosa.depthwise_conv2d", "tosa.transpose_conv2d")


def workspace(grid: Grid, info: OpInfo, rule: FactorRule, strat) -> int:
    """Bytes per device of the temporaries of `info` under `strat`."""
    total = 0
    if info.structured is not None:
        return _structured_inits(grid, info, rule, strat)
    if info.name in _WINDOWED:
        total += _halo_blocks(grid, info, rule, strat)
    if info.name in _BIASED and len(info.operands) > 2 and info.operands[2] is not None:
        if any(f.reduction and axes for f, axes in zip(rule.factors, strat)):
            bias = info.operands[2]
            total += 2 * _local_bytes(grid, rule, strat, 2, bias) + 1
    moved = set(rule.output_only_factors())
    split = {d: strat[f] for d, f in enumerate(rule.results[0]) if f in moved and strat[f]} if rule.results else {}
    if split and info.results and info.results[0] is not None:
        out = info.results[0]
        multiples = info.shape_value(1) if info.name == "tosa.tile" else None
        whole_copies = multiples is not None and all(multiples[d] % grid.group_size(a) == 0 for d, a in split.items())
        if info.name in _WHOLE_THEN_SLICE or (info.name == "tosa.tile" and not whole_copies):
            local = [s // grid.group_size(rule_axes(rule, strat, d)) for d, s in enumerate(out.shape)]
            whole = [s * grid.group_size(split[d]) if d in split else s for d, s in enumerate(local)]
            total += prod(whole) * out.itemsize
        elif info.name == "tosa.reverse":
            local = [s // grid.group_size(rule_axes(rule, strat, d)) for d, s in enumerate(out.shape)]
            total += prod(local) * out.itemsize
    return total


def rule_axes(rule: FactorRule, strat, d: int) -> tuple:
    """The grid axes splitting result dimension d."""
    f = rule.results[0][d]
    return strat[f] if f is not None else ()


def _local_bytes(grid: Grid, rule: FactorRule, strat, k: int, tensor) -> int:
    sh = rule.operand_sharding(grid, strat, k)
    return prod(sh.local_shape(grid, tensor.shape)) * tensor.itemsize


def _halo_blocks(grid: Grid, info: OpInfo, rule: FactorRule, strat) -> int:
    x = info.operands[0]
    if x is None:
        return 0
    shape = list(rule.operand_sharding(grid, strat, 0).local_shape(grid, x.shape))
    worst = 0
    for w in rule.windows:
        if not strat[w.factor] or w.operand != 0:
            continue
        halo = rule.halo(grid, strat, w)
        if halo is None:
            continue
        lo, hi = halo[0], max(halo[1], 0)
        if lo or hi:
            shape[w.dim] += lo + hi
            # pad's result and update_halo's, live together
            worst = max(worst, 2 * prod(shape) * x.itemsize)
    return worst


def _structured_inits(grid: Grid, info: OpInfo, rule: FactorRule, strat) -> int:
    s = info.structured
    assert s is not None
    kind = next((f.reduction for f in rule.factors if f.reduction), None)
    if kind not in IDENTITY or not any(f.reduction and axes for f, axes in zip(rule.factors, strat)):
        return 0
    total = 0
    for i in range(len(info.results)):
        k = s.n_inputs + i
        filled = i < len(s.init_fills) and s.init_fills[i] is not None and s.init_fills[i] == IDENTITY[kind]
        if k < len(info.operands) and info.operands[k] is not None and not filled:
            total += 2 * _local_bytes(grid, rule, strat, k, info.operands[k])
    return total
