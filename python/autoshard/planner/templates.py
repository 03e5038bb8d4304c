"""What the planner derives from an op or a tensor alone, computed once.

A model of chained blocks repeats the same ops (same name, shapes,
attributes) many times.  Everything the problem needs that depends only on
an op's `OpInfo` -- its rule and strategies, the sharding of its results and
of the operands it reads under each strategy, its compute cost and the
local bytes of its results -- is the same for every copy, so `Templates`
computes it once per distinct `OpInfo` (an `OpTemplate`), and the layouts of
a tensor once per (shape, element type).

Shardings are interned to small integers (`Templates.ids`), so a resharding
matrix is named by the id tuples of its two sides plus the tensor's shape
and item size, and built once (`Templates.reshard_matrix`) from the costs of
its distinct (source, target) pairs with numpy indexing.  Costs here are
integer picoseconds, as the problem stores them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from autoshard.cost import CostModel
from autoshard.planner.memory import op_temporaries
from autoshard.planner.reads import second_stage_allowed
from autoshard.rules import FactorRule, rule_for
from autoshard.rules.factor import OpInfo, numel
from autoshard.rules.tosa import source as source_rule
from autoshard.sharding import Sharding
from autoshard.solver import FORBIDDEN_COST

PS_PER_S = 1e12


def to_ps(seconds: float) -> int:
    # Clamped below FORBIDDEN_COST: an absurdly slow (but valid) cluster must
    # not overflow the solver's integer costs or pass for a forbidden pair.
    return min(int(round(min(seconds, 1e9) * PS_PER_S)), FORBIDDEN_COST - 1)


def operand_requirement(rule, grid, strat, k) -> Sharding:
    if rule is None or strat is None:
        return Sharding(grid.name)
    if k >= len(rule.operands):
        return Sharding(grid.name)
    return rule.operand_sharding(grid, strat, k)


def op_cost(model: CostModel, rule: FactorRule, strat, operand_tensors, result_tensors, result_shardings,
            needs=None) -> float:
    """Seconds for one op under `strat`: the roofline of its flops and the
    local bytes it reads and writes, plus the halo exchanges its split
    windows need.  `needs[k]`: operand k's sharding under `strat` when the
    caller has it already."""
    grid = model.grid
    if needs is None:
        needs = [None if t is None else operand_requirement(rule, grid, strat, k)
                 for k, t in enumerate(operand_tensors)]
    traffic = 0
    for k, t in enumerate(operand_tensors):
        if t is not None and rule.reads(k):
            traffic += model.local_bytes(t.shape, t.itemsize, needs[k])
    for t, sh in zip(result_tensors, result_shardings):
        if rule.writes_results:
            traffic += model.local_bytes(t.shape, t.itemsize, sh)
    cost = model.compute_cost(rule.flops, rule.effective_shards(grid, strat), traffic)
    for w in rule.windows:
        axes = strat[w.factor]
        halo = rule.halo(grid, strat, w)
        t = operand_tensors[w.operand]
        if not axes or halo is None or t is None:
            continue
        need = needs[w.operand]
        local = need.local_shape(grid, t.shape)
        row_bytes = model.local_bytes(t.shape, t.itemsize, need) // local[w.dim]
        cost += model.halo_cost(axes, max(halo[0], 0) * row_bytes, max(halo[1], 0) * row_bytes)
    return cost


def layouts(grid, tensor) -> list[Sharding]:
    """Every non-partial layout of a tensor: the `source` rule's strategies."""
    rule = source_rule(OpInfo("layout", (), (tensor,)))
    assert rule is not None  # a tensor always has a source rule
    return [rule.result_sharding(grid, s) for s in rule.strategies(grid)]


@dataclass(frozen=True)
class OpTemplate:
    """One distinct op, every strategy.  Per strategy j: `results[j]` the
    sharding of each tensor result, `costs[j]` compute seconds, `costs_ps[j]`
    the same in picoseconds, `usages[j]` local bytes of the tensor results
    and of the op's temporaries (planner/memory.py).
    `needs[k][j]`: the sharding operand k is read in (None for an operand
    that is not a tensor); `need_ids` and `result_ids` are the same as
    interned ids (result_ids[r][j]: result r under strategy j)."""

    rule: FactorRule | None
    strategies: tuple
    results: tuple
    needs: tuple
    costs: tuple
    costs_ps: np.ndarray
    usages: np.ndarray
    need_ids: tuple
    result_ids: tuple


class Templates:
    """OpInfo -> OpTemplate, tensor -> its layouts, and resharding matrices,
    for one cost model (one grid and cluster)."""

    def __init__(self, model: CostModel):
        self.model = model
        self._ops: dict[Any, OpTemplate] = {}
        self._layouts: dict[Any, tuple[list[Sharding], tuple[int, ...]]] = {}
        self._ids: dict[Sharding, int] = {}
        self._shardings: list[Sharding] = []
        self._pairs: dict[tuple, int] = {}
        self._matrices: dict[tuple, np.ndarray] = {}

    # -- interning ---------------------------------------------------------
    def ids(self, shardings) -> tuple[int, ...]:
        out = []
        for sh in shardings:
            i = self._ids.get(sh)
            if i is None:
                i = self._ids[sh] = len(self._shardings)
                self._shardings.append(sh)
            out.append(i)
        return tuple(out)

    # -- tensors -----------------------------------------------------------
    def layouts(self, tensor) -> tuple[list[Sharding], tuple[int, ...]]:
        """(every non-partial layout of `tensor`, their ids)."""
        key = (tensor.shape, tensor.dtype)
        found = self._layouts.get(key)
        if found is None:
            lay = layouts(self.model.grid, tensor)
            found = self._layouts[key] = (lay, self.ids(lay))
        return found

    # -- ops ---------------------------------------------------------------
    def op(self, info: OpInfo) -> OpTemplate:
        try:
            template = self._ops.get(info)
        except TypeError:  # an attribute value that does not hash: no sharing
            return self._build(info)
        if template is None:
            template = self._ops[info] = self._build(info)
        return template

    def _build(self, info: OpInfo) -> OpTemplate:
        model, grid = self.model, self.model.grid
        rule = rule_for(info)
        tensors = [t for t in info.results if t is not None]
        strategies: list[Any]
        if rule is None:
            strategies = [None]
            results = [tuple(Sharding(grid.name) for _ in tensors)]
            needs = [[None if t is None else Sharding(grid.name) for t in info.operands]]
            # Unknown ops are priced at one flop per result element.
            flops = sum(numel(t.shape) for t in tensors)
            traffic = sum(t.nbytes for t in info.operands if t is not None) + sum(t.nbytes for t in tensors)
            costs = [model.compute_cost(flops, 1, traffic)]
        else:
            strategies = rule.strategies(grid)
            indices = [k for k, t in enumerate(info.results) if t is not None]
            results = [tuple(rule.result_sharding(grid, st, k) for k in indices) for st in strategies]
            needs = [[None if t is None else operand_requirement(rule, grid, st, k) for k, t in enumerate(info.operands)]
                     for st in strategies]
            costs = [op_cost(model, rule, st, info.operands, tensors, shs, need)
                     for st, shs, need in zip(strategies, results, needs)]
        usages = [sum(model.local_bytes(t.shape, t.itemsize, s) for t, s in zip(tensors, shs))
                  + op_temporaries(grid, info, rule, st) for shs, st in zip(results, strategies)]
        by_operand = tuple(None if t is None else tuple(need[k] for need in needs)
                           for k, t in enumerate(info.operands))
        costs_ps = np.array([to_ps(c) for c in costs], dtype=np.int64)
        usage_bytes = np.array(usages, dtype=np.int64)
        # Shared by every copy of the op: a change through one node would
        # silently change them all.
        costs_ps.setflags(write=False)
        usage_bytes.setflags(write=False)
        return OpTemplate(
            rule=rule,
            strategies=tuple(strategies),
            results=tuple(results),
            needs=by_operand,
            costs=tuple(costs),
            costs_ps=costs_ps,
            usages=usage_bytes,
            need_ids=tuple(None if n is None else self.ids(n) for n in by_operand),
            result_ids=tuple(self.ids([shs[r] for shs in results]) for r in range(len(tensors))),
        )

    # -- resharding --------------------------------------------------------
    def reshard_matrix(self, shape: tuple, itemsize: int, src_ids: tuple, dst_ids: tuple,
                       second_stage: bool = False) -> np.ndarray:
        """(len(src_ids), len(dst_ids)) int64 picoseconds to reshard a
        tensor from each source sharding into each target sharding,
        FORBIDDEN_COST where impossible, and out of a shared read layout
        (`second_stage`) also where planner/reads.py allows no second
        stage.  Read-only and shared: callers copy before changing it."""
        key = (shape, itemsize, src_ids, dst_ids, second_stage)
        mat = self._matrices.get(key)
        if mat is None:
            src_u, src_at = np.unique(np.asarray(src_ids, dtype=np.int64), return_inverse=True)
            dst_u, dst_at = np.unique(np.asarray(dst_ids, dtype=np.int64), return_inverse=True)
            small = np.array([[self._pair(shape, itemsize, int(a), int(b), second_stage) for b in dst_u]
                              for a in src_u], dtype=np.int64).reshape(len(src_u), len(dst_u))
            mat = small[np.ix_(src_at.reshape(-1), dst_at.reshape(-1))]
            mat.setflags(write=False)
            self._matrices[key] = mat
        return mat

    def _pair(self, shape: tuple, itemsize: int, src: int, dst: int, second_stage: bool = False) -> int:
        key = (shape, itemsize, src, dst)
        cost = self._pairs.get(key)
        if cost is None:
            seconds = self.model.reshard_cost(shape, itemsize, self._shardings[src], self._shardings[dst])
            cost = self._pairs[key] = FORBIDDEN_COST if seconds is None else to_ps(seconds)
        if second_stage and not second_stage_allowed(self.model, shape, self._shardings[src], self._shardings[dst]):
            return FORBIDDEN_COST
        return cost
