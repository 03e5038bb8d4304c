"""The exact model of the core (or of a window of it) for CP-SAT.

Sets: F the free nodes (all core nodes, or an LNS window; every other node
keeps its current strategy c_j), S_i the strategies of node i, E_F the edges
with both ends in F, T the kept time points.

Variables:
  x[i,a] in {0,1}   node i takes strategy a                     (i in F)
  y[e,a,b] in {0,1} edge e=(u,v) takes the pair (a,b)            (e in E_F,
                    only for pairs whose cost is not forbidden)
  P >= 0            the peak usage (only when minimising the peak)

Constraints:
  one strategy per node:  sum_a x[i,a] = 1
  edge consistency (the local-polytope form, tighter than the s/e "<="
  form of the seed ILP and of e >= s_u + s_v - 1):
      sum_b y[e,a,b] = x[u,a]  for every a,   sum_a y[e,a,b] = x[v,b]  for every b
  memory, per maximal run of time points with the same free live nodes:
      sum_{i in F live at t} sum_a usage[i,a] x[i,a] <= limit - fixed_load(t)
  (or <= P - fixed_load(t) when minimising the peak, and cost <= cap on top
  when a peak cap is given)

Objective (cost mode):
  min sum_i sum_a (c[i,a] + sum_{j fixed neighbour} M_ij[a, c_j]) x[i,a]
      + sum_e sum_ab M_e[a,b] y[e,a,b]
Objective (peak mode): min P.

The model is written straight into the protobuf from numpy arrays; going
through the expression API coefficient by coefficient is several times slower
at this size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from .problem import FORBIDDEN_COST


@dataclass
class WindowResult:
    status: str  # "optimal", "feasible", "infeasible", "unknown"
    choice: np.ndarray | None  # strategy per free node
    objective: int | None
    bound: int | None
    deterministic_time: float = 0.0


class _ProtoBuilder:
    def __init__(self):
        self.model = cp_model.CpModel()
        self.proto = self.model.proto
        self.num_vars = 0

    def bools(self, count: int, fixed_zero=None) -> np.ndarray:
        first = self.num_vars
        for index in range(count):
            upper = 0 if fixed_zero is not None and fixed_zero[index] else 1
            self.proto.variables.add().domain.extend([0, upper])
        self.num_vars += count
        return np.arange(first, first + count, dtype=np.int64)

    def int_var(self, lower: int, upper: int) -> int:
        self.proto.variables.add().domain.extend([int(lower), int(upper)])
        self.num_vars += 1
        return self.num_vars - 1

    def linear(self, variables, coefficients, lower: int, upper: int) -> None:
        linear = self.proto.constraints.add().linear
        linear.vars.extend([int(v) for v in variables])
        linear.coeffs.extend([int(c) for c in coefficients])
        linear.domain.extend([int(lower), int(upper)])


class WindowModel:
    """The model over the free nodes `free` (sorted core indices), the others
    fixed at `choice`; `load` is the current memory profile of `choice`."""

    def __init__(self, core, graph, free, choice, load, mode: str = "cost", peak_cap: int | None = None,
                 cost_cap: int | None = None):
        self.core, self.graph = core, graph
        self.free = np.asarray(free, dtype=np.int64)
        self.choice = np.asarray(choice, dtype=np.int64)
        self.mode = mode
        self.builder = _ProtoBuilder()
        self.position = {int(i): p for p, i in enumerate(self.free)}
        self.objective_vars: list = []
        self.objective_coeffs: list = []
        self._add_node_choice()
        self._add_edge_consistency()
        self._add_memory(load, peak_cap)
        if mode == "cost":
            self._set_cost_objective()
        else:
            self._set_peak_objective(cost_cap)

    def _add_node_choice(self) -> None:
        """x[i,a] with sum_a x[i,a] = 1; unary costs include fixed neighbours."""
        core, graph, b = self.core, self.graph, self.builder
        self.x = []
        self.unary = []
        for i in self.free.tolist():
            unary = core.costs[i].astype(np.int64).copy()
            for j, m in graph.neighbours[i]:
                if j not in self.position:
                    unary = unary + np.minimum(m[:, self.choice[j]], FORBIDDEN_COST).astype(np.int64)
            forbidden = unary >= FORBIDDEN_COST
            if forbidden.all():
                forbidden[np.argmin(unary)] = False
            x = b.bools(len(unary), forbidden)
            b.linear(x, np.ones(len(x)), 1, 1)
            self.x.append(x)
            self.unary.append(np.where(forbidden, 0, unary))

    def _add_edge_consistency(self) -> None:
        """y[e,a,b] over allowed pairs, marginals equal to x at both ends."""
        core, graph, b = self.core, self.graph, self.builder
        self.edges = []
        for e, (u, v) in enumerate(graph.edge_list):
            pu, pv = self.position.get(u), self.position.get(v)
            if pu is None or pv is None:
                continue
            matrix = core.mats[e]
            allowed = np.argwhere(matrix < FORBIDDEN_COST)
            y = b.bools(len(allowed))
            rows, cols = allowed[:, 0], allowed[:, 1]
            for a in range(matrix.shape[0]):
                sel = y[rows == a]
                b.linear(np.append(sel, self.x[pu][a]), np.append(np.ones(len(sel)), -1), 0, 0)
            for c in range(matrix.shape[1]):
                sel = y[cols == c]
                b.linear(np.append(sel, self.x[pv][c]), np.append(np.ones(len(sel)), -1), 0, 0)
            self.edges.append((e, pu, pv, y, rows, cols, matrix[rows, cols]))

    def _memory_runs(self, load):
        """Maximal runs of kept time points with one set of free live nodes:
        (free positions live there, their current usage, the max fixed load)."""
        core = self.core
        lo, hi = core.lo[self.free], core.hi[self.free]
        live = lo < hi
        if not live.any():
            return []
        cuts = np.unique(np.concatenate([lo[live], hi[live]]))
        current = np.array([core.usage[i][self.choice[i]] for i in self.free.tolist()], dtype=np.int64)
        runs = []
        for start, stop in zip(cuts[:-1].tolist(), cuts[1:].tolist()):
            members = np.flatnonzero((lo <= start) & (hi >= stop) & live)
            if len(members) == 0:
                continue
            fixed_load = int((load[start:stop] - current[members].sum()).max())
            runs.append((members, fixed_load))
        return runs

    def _add_memory(self, load, peak_cap) -> None:
        """One usage constraint per run of time points (see _memory_runs)."""
        core, b = self.core, self.builder
        self.peak_var = None
        if self.mode == "peak":
            outside = load.copy()
            for i in self.free.tolist():
                outside[core.lo[i]:core.hi[i]] = np.iinfo(np.int64).min
            floor = int(max(0, outside.max() if len(outside) else 0))
            # The hint's peak may come from a forbidden choice; allow any peak.
            cap = int(load.max()) + sum(int(core.usage[i].max()) for i in self.free.tolist()) if len(load) else 0
            self.peak_var = b.int_var(floor, max(floor, cap))
        elif core.limit is None:
            return
        limit = core.limit if self.mode == "cost" else None
        if peak_cap is not None:
            limit = peak_cap
        for members, fixed_load in self._memory_runs(load):
            # Lists of arrays, then their concatenation.
            variables: Any = []
            coeffs: Any = []
            for p in members.tolist():
                usage = core.usage[int(self.free[p])]
                nz = usage > 0
                variables.append(self.x[p][nz])
                coeffs.append(usage[nz])
            variables = np.concatenate(variables)
            coeffs = np.concatenate(coeffs)
            if self.peak_var is not None and limit is None:
                b.linear(np.append(variables, self.peak_var), np.append(coeffs, -1), -(2**62), -fixed_load)
            else:
                maximum = sum(int(core.usage[int(self.free[p])].max()) for p in members.tolist())
                if fixed_load + maximum <= limit:
                    continue
                # A negative right-hand side must stay a valid domain so that
                # CP-SAT proves infeasibility rather than rejecting the model.
                b.linear(variables, coeffs, min(0, limit - fixed_load), limit - fixed_load)

    def _cost_terms(self):
        variables = [x for x in self.x] + [edge[3] for edge in self.edges]
        coeffs = [u for u in self.unary] + [edge[6] for edge in self.edges]
        return np.concatenate(variables), np.concatenate(coeffs)

    def _set_cost_objective(self) -> None:
        variables, coeffs = self._cost_terms()
        nz = coeffs != 0
        objective = self.builder.proto.objective
        objective.vars.extend(variables[nz].tolist())
        objective.coeffs.extend(coeffs[nz].tolist())

    def _set_peak_objective(self, cost_cap) -> None:
        if cost_cap is not None:
            variables, coeffs = self._cost_terms()
            self.builder.linear(variables, coeffs, 0, cost_cap)
        objective = self.builder.proto.objective
        objective.vars.append(self.peak_var)
        objective.coeffs.append(1)

    def hint(self, choice) -> None:
        """Hint the given full core assignment (used for the free nodes)."""
        proto = self.builder.proto
        hint = proto.solution_hint
        hint.vars.extend(np.concatenate(self.x).tolist())
        values = [(np.arange(len(x)) == choice[i]).astype(np.int64) for x, i in zip(self.x, self.free.tolist())]
        hint.values.extend(np.concatenate(values).tolist())
        for e, pu, pv, y, rows, cols, _ in self.edges:
            u, v = self.graph.edge_list[e]
            hint.vars.extend(y.tolist())
            hint.values.extend(((rows == choice[u]) & (cols == choice[v])).astype(np.int64).tolist())

    def solve(self, deterministic_seconds: float, wall_seconds: float, threads: int, seed: int,
              light_presolve: bool = False) -> WindowResult:
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.random_seed = seed
        params.max_deterministic_time = max(0.01, deterministic_seconds)
        params.max_time_in_seconds = max(0.01, wall_seconds)
        params.num_workers = max(1, threads)
        # Multi-worker CP-SAT is only reproducible when the workers are
        # interleaved in deterministic batches.
        params.interleave_search = threads > 1
        # The LP of this model is nearly tight on the contest instances (G: bound
        # 217,037 against the optimum 217,039); the full linearisation is what
        # lets CP-SAT close the gap (default settings stalled far above it).
        params.linearization_level = 2
        if light_presolve:
            # On a 400-node window of A, probing in presolve spent 1.8 of 2
            # deterministic seconds before the search started.
            params.presolve_probing_deterministic_time_limit = 0.05
            params.symmetry_level = 0
        status = solver.solve(self.builder.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            name = "infeasible" if status == cp_model.INFEASIBLE else "unknown"
            return WindowResult(name, None, None, None, solver.response_proto.deterministic_time)
        values = np.array(solver.response_proto.solution, dtype=np.int64)
        choice = np.array([int(np.argmax(values[x])) for x in self.x], dtype=np.int64)
        return WindowResult(
            "optimal" if status == cp_model.OPTIMAL else "feasible",
            choice,
            int(round(solver.objective_value)),
            int(np.floor(solver.best_objective_bound + 1e-6)),
            solver.response_proto.deterministic_time,
        )
