"""The auto-sharding problem and its solution, as plain immutable values.

A problem has nodes and edges. Node i lives over the half-open interval
[start_i, end_i) and must pick one strategy s_i in 0..k_i-1, which costs
costs[i][s_i] and occupies usages[i][s_i] memory while the node is live.
Edge e = (u, v) costs edge_costs[e][s_u * k_v + s_v]. When usage_limit is set,
the summed usage of the live nodes must stay <= usage_limit at every time.
Costs are >= 0 (the reductions rely on it), and any cost >= FORBIDDEN_COST
marks a forbidden choice.

The problem validates itself once, in the constructor; everything downstream
trusts it.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# The contest instances mark forbidden choices with 1e18, and their largest real
# cost is about 1.6e12 (instance M); 1e15 separates the two with room on both
# sides and keeps sums of many real costs far from int64 overflow.
FORBIDDEN_COST = 10**15

_INT64_MAX = np.iinfo(np.int64).max
_INT64_MIN = np.iinfo(np.int64).min


@contextlib.contextmanager
def cycle_collector_paused():
    """Python's cycle collector off for a while. Reading a large problem
    makes millions of objects and reducing it hundreds of thousands, none
    in a cycle; the collector, run again and again as they are made, only
    looks at them (A: about 0.3 s of the 2.5 s of reading, 0.3 to 0.8 s of
    the 3 to 4 s of reducing)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class ProblemError(ValueError):
    """A malformed or inconsistent problem (or problem file)."""


def _frozen_int_array(values, what: str) -> np.ndarray:
    try:
        array = np.array(values, dtype=object)
        if array.ndim != 1:
            raise ProblemError(f"{what} must be a flat list of integers")
        for value in array:
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise ProblemError(f"{what} must hold integers, got {value!r}")
            if not _INT64_MIN <= int(value) <= _INT64_MAX:
                raise ProblemError(f"{what} holds {value}, outside the 64-bit range")
        result = np.array([int(v) for v in array], dtype=np.int64)
    except (TypeError, ValueError) as err:
        if isinstance(err, ProblemError):
            raise
        raise ProblemError(f"{what} must be a list of integers ({err})") from None
    result.setflags(write=False)
    return result


def _fast_int_array(values, what: str) -> np.ndarray:
    """Integer list to a read-only int64 array; the fast path for big files,
    falling back to the careful per-element check on anything unusual."""
    if isinstance(values, np.ndarray) and values.dtype == np.int64 and values.ndim == 1:
        result = values.copy()
        result.setflags(write=False)
        return result
    if isinstance(values, (list, tuple)) and all(type(v) is int for v in values):
        try:
            result = np.array(values, dtype=np.int64)
        except OverflowError:
            return _frozen_int_array(values, what)
        if result.ndim == 1:
            result.setflags(write=False)
            return result
    return _frozen_int_array(values, what)


def _int_lists(lists, what) -> tuple[np.ndarray, tuple]:
    """A list of integer lists (or 1-D integer arrays) as one read-only
    int64 array and a tuple of read-only views of it, one per list.
    `what(i)` names list i in errors. Lists of plain ints, as JSON gives,
    are converted in one go; anything else list by list, carefully."""
    if isinstance(lists, (list, tuple)) and all(type(x) is list for x in lists):
        lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
        if set(map(type, itertools.chain.from_iterable(lists))) <= {int}:
            try:
                flat = np.fromiter(itertools.chain.from_iterable(lists), dtype=np.int64, count=int(lengths.sum()))
            except OverflowError:  # the careful path below names the culprit
                pass
            else:
                return _views(flat, lengths)
    pieces = [_fast_int_array(x, what(i)) for i, x in enumerate(lists)]
    lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
    return _views(np.concatenate(pieces) if pieces else np.zeros(0, np.int64), lengths)


def _views(flat: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, tuple]:
    flat.setflags(write=False)
    ends = np.cumsum(lengths).tolist()
    return flat, tuple(flat[start:end] for start, end in zip([0] + ends[:-1], ends))


@dataclass(frozen=True, eq=False)
class Problem:
    """An immutable auto-sharding problem; see the module docstring.

    Compared and hashed by identity: two problems are the same object or
    different problems."""

    # The constructor takes any sequences; __post_init__ stores the types
    # named in the comments (hence Any: the field types differ in and out).
    name: str
    intervals: Any  # np.ndarray (n, 2) int64, half-open [start, end)
    costs: Any  # tuple: per node, read-only int64 array of k_i costs
    usages: Any  # tuple: per node, read-only int64 array of k_i usages
    edges: Any  # np.ndarray (m, 2) int64 node index pairs
    edge_costs: Any  # tuple: per edge, read-only int64 array of k_u * k_v costs
    usage_limit: int | None = None
    num_strategies: np.ndarray = field(init=False, repr=False)
    # The same numbers side by side (costs[i] is a view of flat_costs, and
    # so on), for code that works on all nodes or edges at once.
    flat_costs: np.ndarray = field(init=False, repr=False)
    flat_usages: np.ndarray = field(init=False, repr=False)
    flat_edge_costs: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        set_field = object.__setattr__
        set_field(self, "name", str(self.name))
        n = _check_node_lists(self)
        set_field(self, "intervals", _checked_intervals(self.intervals, n))
        for what, flat_what, label in (("costs", "flat_costs", "costs"), ("usages", "flat_usages", "usages")):
            flat, pieces = _int_lists(getattr(self, what), lambda i, label=label: f"node {i} {label}")
            set_field(self, flat_what, flat)
            set_field(self, what, pieces)
        k = np.array([len(c) for c in self.costs], dtype=np.int64)
        k.setflags(write=False)
        set_field(self, "num_strategies", k)
        _check_strategies(self)
        set_field(self, "edges", _checked_edges(self.edges, n))
        flat, pieces = _int_lists(self.edge_costs, lambda e: f"edge {e} costs")
        set_field(self, "flat_edge_costs", flat)
        set_field(self, "edge_costs", _checked_edge_costs(pieces, flat, self.edges, k))
        set_field(self, "usage_limit", _checked_limit(self.usage_limit))

    @property
    def num_nodes(self) -> int:
        return len(self.costs)

    @property
    def num_edges(self) -> int:
        return len(self.edges)


def _check_node_lists(problem: Problem) -> int:
    for what in ("intervals", "costs", "usages", "edges", "edge_costs"):
        if isinstance(getattr(problem, what), (str, bytes, dict)) or not hasattr(getattr(problem, what), "__len__"):
            raise ProblemError(f"{what} must be a list")
    n = len(problem.costs)
    if len(problem.usages) != n or len(problem.intervals) != n:
        raise ProblemError(
            f"node lists differ in length: {len(problem.intervals)} intervals, "
            f"{n} cost lists, {len(problem.usages)} usage lists"
        )
    return n


def _checked_intervals(intervals, n: int) -> np.ndarray:
    try:
        array = np.array(intervals, dtype=np.int64).reshape(n, 2) if n else np.zeros((0, 2), np.int64)
        if n and any(len(iv) != 2 for iv in intervals):
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        raise ProblemError("each interval must be a pair of integers [start, end]") from None
    for i in np.flatnonzero((array[:, 0] < 0) | (array[:, 0] > array[:, 1]))[:1]:
        raise ProblemError(f"node {i} has an invalid interval [{array[i, 0]}, {array[i, 1]}) (negative or start > end)")
    array.setflags(write=False)
    return array


def _check_strategies(problem: Problem) -> None:
    k = problem.num_strategies
    usage_k = np.fromiter(map(len, problem.usages), dtype=np.int64, count=len(problem.usages))
    if (k > 0).all() and (usage_k == k).all() and (problem.flat_usages >= 0).all() and (problem.flat_costs >= 0).all():
        return
    # Something is wrong: find the first node at fault, and say what.
    for i, (c, u) in enumerate(zip(problem.costs, problem.usages)):
        if len(c) == 0:
            raise ProblemError(f"node {i} has no strategy")
        if len(u) != len(c):
            raise ProblemError(f"node {i} has {len(c)} costs but {len(u)} usages")
        if len(u) and u.min() < 0:
            raise ProblemError(f"node {i} has a negative usage {u.min()}")
        if len(c) and c.min() < 0:
            raise ProblemError(f"node {i} has a negative cost {c.min()}")
    raise AssertionError("a node at fault was expected")


def _checked_edges(edges, n: int) -> np.ndarray:
    m = len(edges)
    try:
        if any(len(e) != 2 for e in edges):
            raise ValueError
        array = np.array(edges, dtype=np.int64).reshape(m, 2) if m else np.zeros((0, 2), np.int64)
    except (TypeError, ValueError, OverflowError):
        raise ProblemError("each edge must be a pair of node indices [u, v]") from None
    bad = np.flatnonzero((array < 0).any(axis=1) | (array >= n).any(axis=1))
    if len(bad):
        e = bad[0]
        raise ProblemError(f"edge {e} ({array[e, 0]}, {array[e, 1]}) has a node index out of range 0..{n - 1}")
    array.setflags(write=False)
    return array


def _checked_edge_costs(edge_costs: tuple, flat: np.ndarray, edges: np.ndarray, k: np.ndarray) -> tuple:
    if len(edge_costs) != len(edges):
        raise ProblemError(f"{len(edges)} edges but {len(edge_costs)} edge cost matrices")
    sizes = np.fromiter(map(len, edge_costs), dtype=np.int64, count=len(edge_costs))
    if (sizes == k[edges[:, 0]] * k[edges[:, 1]]).all() and flat.min(initial=0) >= 0:
        return edge_costs
    # Something is wrong: find the first edge at fault, and say what.
    for e, (array, (u, v)) in enumerate(zip(edge_costs, edges)):
        if len(array) != k[u] * k[v]:
            raise ProblemError(
                f"edge {e} ({u}, {v}) has {len(array)} costs, expected {k[u]} x {k[v]} = {k[u] * k[v]}"
            )
        if len(array) and array.min() < 0:
            raise ProblemError(f"edge {e} ({u}, {v}) has a negative cost {array.min()}")
    raise AssertionError("an edge at fault was expected")


def _checked_limit(limit) -> int | None:
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)):
        raise ProblemError(f"usage_limit must be an integer, got {limit!r}")
    if limit < 0:
        raise ProblemError(f"usage_limit must be non-negative, got {limit}")
    return int(limit)


@dataclass(frozen=True)
class Solution:
    """A strategy per node, what it costs, and how sure the solver is.

    status: "optimal" (cost proven minimal, limit met), "feasible" (limit met,
    not proven), "infeasible" (proven: no assignment free of forbidden
    choices meets the limit) or "unknown" (none was found, and none is
    proven impossible). In the last two the assignment is the lowest-peak
    one found, and it may make forbidden choices."""

    assignment: tuple
    cost: int
    peak_usage: int
    status: str
    bound: int | None
    seconds: float

    @property
    def meets_limit(self) -> bool:
        """Within the usage limit and free of forbidden choices."""
        return self.status in ("optimal", "feasible")
