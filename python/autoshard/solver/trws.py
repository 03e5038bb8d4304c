"""Sequential tree-reweighted message passing (TRW-S, Kolmogorov 2006).

Minimises  sum_i c_i[s_i] + sum_(u,v) M_uv[s_u, s_v]  approximately, with a
lower bound. The LP relaxation of these instances is nearly tight (on G the
LP bound is within 2 of the optimum), which is the case where TRW-S decoding
finds near-optimal assignments; the elimination heuristic's greedy steps, by
contrast, land 30x to 50x above the optimum on G.

Nodes are visited in core order (program order) forward, then backward. At
node i, with theta_i = c_i + sum of all incoming messages and gamma_i =
1 / max(#earlier neighbours, #later neighbours), the message to each later
(forward pass) or earlier (backward pass) neighbour j along edge e is
    m_{e->j}[t] = min_s gamma_i theta_i[s] - m_{e->i}[s] + M_e[s, t],
shifted to minimum 0. Any set of messages is a reparametrisation, so
    sum_i min_s theta_i[s] + sum_e min_{s,t} (M_e[s,t] - m_{e->u}[s] - m_{e->v}[t])
is a lower bound. (Assignments are decoded from the reparametrised costs by
elimination, lagrangian.py.)
"""

from __future__ import annotations

import copy
import functools

import numpy as np

from .problem import FORBIDDEN_COST


class MessagePassing:
    """Messages over `graph` with every cost above `cap` lowered to `cap`.

    Lowering costs is a relaxation, so the bound stays valid for the true
    costs. Uncapped, the forbidden costs (10^15) leak into the unconverged
    messages, and the bound is a huge negative number (G: -4e8 after 40
    iterations, optimum 217,039); a cap of twice a known solution's cost
    keeps every forbidden choice dearer than that solution.

    A sweep is computed level by level (`_Level`): in a forward pass node i
    only waits for its earlier neighbours, so all nodes at the same depth of
    that order are independent and one level's messages are a few array
    operations over all of them. The arithmetic is the sequential sweep's,
    operation for operation, so the messages are the same numbers; on S
    (25,872 core nodes, 939 levels) a sweep is about ten times faster than
    node by node, where numpy's per-call overhead was most of the time."""

    def __init__(self, graph, cap: float = float(FORBIDDEN_COST)):
        self.graph = graph
        self.cap = cap
        k = graph.k
        self.edges = graph.edge_list
        self.mats = [np.minimum(m, cap) for m in graph.mats]
        eu = np.array([u for u, _ in self.edges], dtype=np.int64)
        ev = np.array([v for _, v in self.edges], dtype=np.int64)
        # All messages in one buffer, the capped node costs after them: edge
        # e's message into its first node at starts[e, 0], into its second
        # at starts[e, 1]. `messages[e]` are views of the buffer.
        sizes = np.stack([k[eu], k[ev]], axis=1) if len(eu) else np.zeros((0, 2), np.int64)
        starts = (np.cumsum(sizes.ravel()) - sizes.ravel()).reshape(-1, 2)
        self.cost_start = int(sizes.sum())
        self.work = np.zeros(self.cost_start + int(graph.offsets[-1]))
        self._starts_sizes = (starts, sizes)
        # The push layout (`_layout_push`), built on first use and shared
        # with every copy made by `restarted`.
        self._shared: dict = {}
        # The incidences (node, edge, slot of the message into the node,
        # neighbour), ordered by node and then edge: a node's messages are
        # summed in edge order.
        node = np.concatenate([eu, ev])
        order = np.lexsort((np.concatenate([np.arange(len(eu))] * 2), node))
        incidence = _Incidence(node[order], np.concatenate([np.arange(len(eu))] * 2)[order],
                               np.repeat([0, 1], len(eu))[order], np.concatenate([ev, eu])[order], starts)
        later = incidence.neighbour > incidence.node
        counts = [np.bincount(incidence.node[side], minlength=graph.n) for side in (later, ~later)]
        gamma = 1.0 / np.maximum(1, np.maximum(counts[0], counts[1]))
        self._layout_reparametrisation(incidence, starts, sizes)
        self.levels = {forward: _levels(graph, incidence, gamma, forward, self.mats, self.cost_start)
                       for forward in (True, False)}

    @classmethod
    def of(cls, graph, cap: float = float(FORBIDDEN_COST)) -> "MessagePassing":
        """Messages over `graph`, all zero, with the layouts built once per
        graph and shared: building them took 5 s on A on a slow machine,
        and a solve needs up to three runs (single price, per-node prices,
        the bound's) on the same graph."""
        template = graph.message_layouts
        if template is None:
            template = graph.message_layouts = cls(graph)
        return template.restarted(cap) if cap <= template.cap else cls(graph, cap)

    def restarted(self, cap: float) -> "MessagePassing":
        """A copy with zero messages and every cost above `cap` (at most
        this one's cap) lowered to it: the same numbers as building anew."""
        if cap > self.cap:
            raise ValueError(f"cap {cap} is above the layouts' cap {self.cap}")
        other = copy.copy(self)
        other.work = np.zeros_like(self.work)
        for own in ("messages", "_flat_out", "_flat_part"):
            other.__dict__.pop(own, None)
        if cap < self.cap:
            other.cap = cap
            other.mats = [np.minimum(m, cap) for m in self.mats]
            other.flat_mats = np.minimum(self.flat_mats, cap)
            other.levels = {forward: [level.capped(cap) for level in levels]
                            for forward, levels in self.levels.items()}
        return other

    @functools.cached_property
    def messages(self) -> list:
        """Per edge, its messages into its first and second node (views of
        the buffer)."""
        starts, sizes = self._starts_sizes
        return [[self.work[a:a + ka], self.work[b:b + kb]]
                for (a, b), (ka, kb) in zip(starts.tolist(), sizes.tolist())]

    def _layout_reparametrisation(self, incidence: "_Incidence", starts, sizes) -> None:
        """Gathers for `reparametrised`: every node's bins summed as a level's
        (costs first, then incoming messages by rank), and per edge cell
        (s, t) the positions of m_{e->u}[s] and m_{e->v}[t]."""
        k, offsets = self.graph.k, self.graph.offsets
        rows = np.lexsort((incidence.node, incidence.rank))
        row_k = k[incidence.node[rows]]
        total = int(offsets[-1])
        self.node_bins = np.concatenate([np.arange(total), _ranges(offsets[incidence.node[rows]], row_k)])
        self.node_gather = np.concatenate([self.cost_start + np.arange(total), _ranges(incidence.into[rows], row_k)])
        rows_per_edge = sizes[:, 0] if len(sizes) else np.zeros(0, np.int64)
        columns_per_edge = sizes[:, 1] if len(sizes) else np.zeros(0, np.int64)
        cells = rows_per_edge * columns_per_edge
        self.mat_end = np.cumsum(cells)
        self.mat_first = self.mat_end - cells
        self.mat_shapes = [tuple(shape) for shape in sizes.tolist()]
        self.flat_mats = np.concatenate([m.ravel() for m in self.mats]) if self.mats else np.zeros(0)
        # Cells row-major, edge after edge: row s of edge e is k_v cells.
        self.row_lengths = np.repeat(columns_per_edge, rows_per_edge)
        self.row_starts = np.cumsum(self.row_lengths) - self.row_lengths
        self.row_gather = np.repeat(_ranges(starts[:, 0], rows_per_edge), self.row_lengths)
        self.column_gather = _ranges(np.repeat(starts[:, 1], rows_per_edge), self.row_lengths)
        self._sizes, self._starts, self._into_rows = sizes, starts, (incidence.into[rows], row_k)

    def _layout_push(self) -> None:
        """For `pushed`, built on its first call: allowed pairs, rows (runs of
        k_v cells) and, after the permutation `transpose`, columns (runs of
        k_u cells) of every edge; row minima land where the edge's message
        into u is kept in the buffer, column minima where its message into v
        is, and are added to the node costs in edge order as the messages are."""
        if self._shared:
            self.__dict__.update(self._shared)
            return
        sizes, starts = self._sizes, self._starts
        rows_per_edge = sizes[:, 0] if len(sizes) else np.zeros(0, np.int64)
        columns_per_edge = sizes[:, 1] if len(sizes) else np.zeros(0, np.int64)
        self.allowed = (np.concatenate([m.ravel() for m in self.graph.mats]) < FORBIDDEN_COST
                        if self.mats else np.zeros(0, bool))
        self.any_allowed = (np.logical_or.reduceat(self.allowed, self.mat_first) if len(self.allowed)
                            else np.zeros(0, bool))
        self.column_lengths = np.repeat(rows_per_edge, columns_per_edge)
        self.column_starts = np.cumsum(self.column_lengths) - self.column_lengths
        # Column t of edge e: cells first_e + t, + k_v, + 2 k_v, ... (k_u of them).
        column_first = np.repeat(_ranges(self.mat_first, columns_per_edge), self.column_lengths)
        step = np.repeat(np.repeat(columns_per_edge, columns_per_edge), self.column_lengths)
        within = _ranges(np.zeros(len(self.column_lengths), np.int64), self.column_lengths)
        self.transpose = column_first + step * within
        self.row_targets = _ranges(starts[:, 0], rows_per_edge) if len(sizes) else np.zeros(0, np.int64)
        self.column_targets = _ranges(starts[:, 1], columns_per_edge) if len(sizes) else np.zeros(0, np.int64)
        total = int(self.graph.offsets[-1])
        into, row_k = self._into_rows
        self.push_gather = np.concatenate([np.arange(total), total + _ranges(into, row_k)])
        self._shared.update({name: getattr(self, name) for name in (
            "allowed", "any_allowed", "column_lengths", "column_starts", "transpose", "row_targets",
            "column_targets", "push_gather")})

    def sweep(self, costs, forward: bool) -> None:
        """One pass over the nodes, forward (program order) or backward."""
        if len(costs):
            self.work[self.cost_start:] = np.minimum(np.concatenate(costs), self.cap)
        for level in self.levels[forward]:
            level.send(self.work)

    def lower_bound(self, costs) -> float:
        """The reparametrisation bound for the given node costs, over the
        assignments that make no forbidden edge choice (see `pushed`)."""
        node, constant = self.pushed(costs)
        return constant + float(sum(c.min() for c in node))

    def pushed(self, costs):
        """(node costs, constant) of the reparametrised energy with every
        edge's row minima (over allowed pairs) pushed into its first node and
        then its column minima into its second; the constant is the sum of
        what is left as each edge's minimum. Every allowed assignment costs
        the same as before, and sum of node minima + constant is a lower
        bound that only grew by pushing: min(theta + r) >= min(theta) + min(r).
        Without the push, the unconverged messages leave large negative edge
        entries (the bound on A was the trivial one).

        """
        if "push_gather" not in self.__dict__:
            self._layout_push()
        node, flat = self.reparametrised_flat(costs)
        if not len(flat):
            return np.split(node, self.graph.offsets[1:-1]) if self.graph.n else [], 0.0
        # Per edge, as edge by edge: rows minimised over allowed pairs into
        # its first node, then the columns of what is left into its second.
        work = np.where(self.allowed, flat, np.inf)
        rows = np.minimum.reduceat(work, self.row_starts)
        rows[~np.isfinite(rows)] = 0.0
        work -= np.repeat(rows, self.row_lengths)
        work = work[self.transpose]
        cols = np.minimum.reduceat(work, self.column_starts)
        cols[~np.isfinite(cols)] = 0.0
        work -= np.repeat(cols, self.column_lengths)
        left = np.minimum.reduceat(work, self.mat_first)
        constant = 0.0
        for value in left[self.any_allowed].tolist():
            constant += value
        pushed = np.zeros(self.cost_start)
        pushed[self.row_targets] = rows
        pushed[self.column_targets] = cols
        node = np.bincount(self.node_bins, weights=np.concatenate([node, pushed])[self.push_gather],
                           minlength=len(node))
        return np.split(node, self.graph.offsets[1:-1]), constant

    def reparametrised(self, costs):
        """(node costs, edge matrices) of the same energy after the messages:
        every assignment costs the same, but the unary terms now carry what
        the messages learnt about the rest of the graph. Computed on the flat
        layouts in the sequential order (each node's capped cost plus its
        incoming messages in edge order; M_e - m_{e->u} - m_{e->v})."""
        return self.split(*self.reparametrised_flat(costs))

    def split(self, node, flat):
        """The flat layouts as per-node cost vectors and per-edge matrices (views)."""
        node_list = np.split(node, self.graph.offsets[1:-1]) if self.graph.n else []
        mats = [flat[a:b].reshape(shape) for a, b, shape in zip(self.mat_first, self.mat_end, self.mat_shapes)]
        return node_list, mats

    def reparametrised_flat(self, costs):
        """`reparametrised` on the flat layouts: all node costs in one
        array, all matrices (row-major, edge after edge) in another. The
        matrices are written into the same two buffers at every call (valid
        until the next one): fresh arrays of A's 5.5 million cells each
        time took 1 s a call instead of 0.04 s on this machine, most of it
        the first touch of new memory."""
        if len(costs):
            self.work[self.cost_start:] = np.minimum(np.concatenate(costs), self.cap)
        node = np.bincount(self.node_bins, weights=self.work[self.node_gather], minlength=int(self.graph.offsets[-1]))
        if "_flat_out" not in self.__dict__:
            self._flat_out, self._flat_part = np.empty_like(self.flat_mats), np.empty_like(self.flat_mats)
        out, part = self._flat_out, self._flat_part
        np.take(self.work, self.row_gather, out=part)
        np.subtract(self.flat_mats, part, out=out)
        np.take(self.work, self.column_gather, out=part)
        np.subtract(out, part, out=out)
        return node, out


class _Incidence:
    """Edge ends as arrays, one row per (node, edge), sorted by node then
    edge; rank is the row's position among its node's rows."""

    def __init__(self, node, edge, slot, neighbour, starts):
        self.node, self.edge, self.slot, self.neighbour = node, edge, slot, neighbour
        self.into = starts[edge, slot] if len(edge) else np.zeros(0, np.int64)  # message into node
        self.out = starts[edge, 1 - slot] if len(edge) else np.zeros(0, np.int64)  # message to neighbour
        first = np.flatnonzero(np.r_[True, node[1:] != node[:-1]]) if len(node) else np.zeros(0, np.int64)
        self.rank = np.arange(len(node)) - np.repeat(first, np.diff(np.r_[first, len(node)]))


def _ranges(first: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """first[0]..first[0]+lengths[0]-1, then first[1].., concatenated."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    ends = np.cumsum(lengths)
    return np.arange(total, dtype=np.int64) + np.repeat(first - (ends - lengths), lengths)


def _levels(graph, incidence: _Incidence, gamma: np.ndarray, forward: bool, mats: list, cost_start: int) -> list:
    """The levels of one sweep direction: depth 0 for nodes with no
    neighbour before them in the sweep's order, else 1 + the deepest such
    neighbour; only levels with a node sending a message are kept."""
    n = graph.n
    k = graph.k
    waits: list[list[int]] = [[] for _ in range(n)]
    sends = (incidence.neighbour > incidence.node) == forward
    for i, j in zip(incidence.node[~sends].tolist(), incidence.neighbour[~sends].tolist()):
        waits[i].append(j)
    depth = np.zeros(n, dtype=np.int64)
    for i in (range(n) if forward else range(n - 1, -1, -1)):
        if waits[i]:
            depth[i] = 1 + max(depth[j] for j in waits[i])
    sender = np.bincount(incidence.node[sends], minlength=n) > 0
    nodes = np.flatnonzero(sender)
    nodes = nodes[np.argsort(depth[nodes], kind="stable")]
    if len(nodes) == 0:
        return []
    level = np.full(n, -1, dtype=np.int64)
    level[nodes] = np.cumsum(np.r_[0, np.diff(depth[nodes]) != 0])
    count = int(level[nodes[-1]]) + 1
    # Each sender's first bin among its level's strategies.
    ks = k[nodes]
    before = np.cumsum(ks) - ks
    group_first = np.flatnonzero(np.r_[True, np.diff(level[nodes]) != 0])
    local = np.zeros(n, dtype=np.int64)
    local[nodes] = before - np.repeat(before[group_first], np.diff(np.r_[group_first, len(nodes)]))
    # Incoming rows by level, then rank, then node; outgoing rows by level.
    rows = np.flatnonzero(sender[incidence.node])
    rows = rows[np.lexsort((incidence.node[rows], incidence.rank[rows], level[incidence.node[rows]]))]
    out = np.flatnonzero(sends)
    out = out[np.argsort(level[incidence.node[out]], kind="stable")]

    def split(items, of):
        return np.split(items, np.cumsum(np.bincount(level[of], minlength=count))[:-1])

    return [_Level(graph, incidence, gamma, local, group, group_rows, group_out, mats, cost_start)
            for group, group_rows, group_out in zip(split(nodes, nodes), split(rows, incidence.node[rows]),
                                                    split(out, incidence.node[out]))]


class _Level:
    """One level of a sweep: nodes with no edge between them, each sending a
    message to each neighbour on the sweep's side. For node i with theta_i =
    capped c_i + its incoming messages (summed in edge order, as the
    sequential sweep adds them), a message along edge e to j is
    min_s (gamma_i theta_i[s] - m_{e->i}[s]) + M_e[s, t], shifted to
    minimum 0; every gather below is a precomputed index into the buffer."""

    def __init__(self, graph, incidence: _Incidence, gamma, local, senders, rows, out, mats: list, cost_start: int):
        k, offsets = graph.k, graph.offsets
        ks = k[senders]
        self.size = int(ks.sum())
        self.gamma = np.repeat(gamma[senders], ks)
        # theta: the capped costs first, then every sender's r-th incoming
        # message before any (r+1)-th (`rows` is in that order), so that each
        # bin sums in edge order; `local` is each sender's first bin.
        row_k = k[incidence.node[rows]]
        self.bins = np.concatenate([np.arange(self.size), _ranges(local[incidence.node[rows]], row_k)])
        self.theta_gather = np.concatenate([cost_start + _ranges(offsets[senders], ks),
                                            _ranges(incidence.into[rows], row_k)])
        # Messages out: per message, its d-vector (gamma theta - incoming
        # message along e) over the sender's strategies, expanded over the
        # receiver's strategies t-major against the transposed matrix.
        ki, kj = k[incidence.node[out]], k[incidence.neighbour[out]]
        self.d_bins = _ranges(local[incidence.node[out]], ki)
        self.d_gather = _ranges(incidence.into[out], ki)
        d_first = np.cumsum(ki) - ki
        cells = ki * kj
        cell_first = np.cumsum(cells) - cells
        within = np.arange(int(cells.sum()), dtype=np.int64) - np.repeat(cell_first, cells)
        self.expand = np.repeat(d_first, cells) + within % np.repeat(ki, cells)
        run_first = np.cumsum(kj) - kj
        self.runs = np.repeat(cell_first, kj) + np.repeat(ki, kj) * (np.arange(int(kj.sum())) - np.repeat(run_first, kj))
        self.targets = _ranges(incidence.out[out], kj)
        self.message_starts = run_first
        self.message_sizes = kj
        # Each message's M_e oriented (k_i, k_j), transposed and flattened.
        self.mat = np.concatenate([(mats[e].T if slot == 0 else mats[e]).ravel()
                                   for e, slot in zip(incidence.edge[out].tolist(), incidence.slot[out].tolist())])

    def capped(self, cap: float) -> "_Level":
        """This level with its matrices' entries above `cap` lowered to it."""
        other = copy.copy(self)
        other.mat = np.minimum(self.mat, cap)
        return other

    def send(self, work: np.ndarray) -> None:
        theta = np.bincount(self.bins, weights=work[self.theta_gather], minlength=self.size)
        scaled = self.gamma * theta
        d = scaled[self.d_bins] - work[self.d_gather]
        smallest = np.minimum.reduceat(d[self.expand] + self.mat, self.runs)
        smallest -= np.repeat(np.minimum.reduceat(smallest, self.message_starts), self.message_sizes)
        work[self.targets] = smallest
