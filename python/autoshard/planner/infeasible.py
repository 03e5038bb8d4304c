"""Why a sharding problem has no allowed assignment at all, located.

With no memory budget the solver can only fail because every choice is
forbidden somewhere: typically an annotation asks for a layout that no
layout of its value can be resharded to (partial axes appear only where an
op reduces, with that op's reduction kind).  `forbidden_everywhere` names
the first such annotation or op, at its location in the user's file.
"""

from __future__ import annotations

from autoshard.diagnostics import AutoshardError
from autoshard.solver import FORBIDDEN_COST


def forbidden_everywhere(pp) -> AutoshardError | None:
    """A located error for the first node or edge of `pp` (a PlanProblem)
    all of whose choices are forbidden; None when the memory limit may be
    what cannot be met."""
    problem = pp.problem
    for i, costs in enumerate(problem.costs):
        if len(costs) and min(int(c) for c in costs) >= FORBIDDEN_COST:
            return AutoshardError("no sharding of this op is allowed", pp.nodes[i].loc)
    for (u, v), matrix in zip(problem.edges.tolist(), problem.edge_costs):
        if len(matrix) and int(matrix.min()) >= FORBIDDEN_COST:
            src, dst = pp.nodes[u], pp.nodes[v]
            if dst.kind == "annotation":
                wanted = dst.results[0][0]
                why = (f"; partial axes can only come from an op that reduces with '{wanted.partial_kind}'"
                       if wanted.partial_axes else "")
                return AutoshardError(f"the annotated sharding {wanted} cannot be reached from any layout "
                                      f"of the annotated value{why}", dst.loc or src.loc)
            return AutoshardError("no layout of this value can be resharded to what its user needs",
                                  dst.loc or src.loc)
    if problem.usage_limit is None:  # no memory limit: forbidden choices combine badly
        first = next((n for n in pp.nodes if n.kind == "annotation"), None)
        return AutoshardError("no combination of shardings satisfies the annotations together",
                              first.loc if first is not None else None)
    return None
