"""A certified lower bound: the Lagrangian dual of the memory limit, priced
per time point, over a fixed reparametrisation of the costs.

The core's memory constraints read, at every kept time point t,
    load_t(s) = baseline_t + sum_{i live at t} usage_i[s_i] <= limit.
Moving them into the objective with multipliers mu_t >= 0 gives
    L(mu) = min_s  cost(s) + sum_t mu_t (load_t(s) - limit)
          = min_s  cost(s) + sum_i lambda_i usage_i[s_i] + sum_t mu_t (baseline_t - limit),
with lambda_i the sum of mu_t over the time points node i is live at (the
winner's per-node penalty lambda_i (usage - min usage): core usages are
above each node's minimum). An assignment within the limit pays at most its
cost in the priced problem (every added term is <= 0), so L(mu) is at most
the constrained optimum for every mu >= 0, and so is every lower bound of
L(mu).

The lower bound of L(mu) used here: TRW-S's messages (trws.py) turn the
energy into node terms theta_i plus edge terms whose minimum is a constant C
(`MessagePassing.pushed`), the same for every assignment whatever the
messages are. Then
    L(mu) >= C + sum_i min_s (theta_i[s] + lambda_i usage_i[s]) + sum_t mu_t (baseline_t - limit) + offset,
which is concave and piecewise linear in mu and cheap to evaluate (one
minimum per node), so mu is maximised for fixed messages by projected
supergradient steps with Polyak's step size
    mu <- max(0, mu + theta (UB - B) / |g|^2 g),   g_t = load_t(x) - limit,
x the per-node minimisers and UB the best cost found within the limit.
mu = 0 is the first point, so the result is never below the memory-free
bound. Any mu and any messages give a valid bound; the steps only make it
tighter.
"""

from __future__ import annotations

import numpy as np

from .problem import FORBIDDEN_COST
from .trws import MessagePassing

# Polyak steps: the starting factor, halved after STALL non-improving steps.
THETA_START = 2.0
STALL = 5
# Supergradient steps on mu per round of message passing (each one numpy
# pass over the strategies: S, about 10 ms).
STEPS_PER_ROUND = 60
# Float sums of up to ~10^5 costs of up to ~10^12: the bound is rounded
# down by this relative margin (far above the rounding error) to stay certified.
SAFETY = 1e-6


class LagrangianBound:
    """B(mu) for fixed node terms; `maximise` climbs it."""

    def __init__(self, core, node_terms: list, constant: float, prepaid=None):
        self.core = core
        # Node terms may already include a price per unit of usage (the one
        # the messages were computed with); it is taken off in `value`.
        self.prepaid = np.zeros(len(node_terms)) if prepaid is None else np.asarray(prepaid, np.float64)
        sizes = np.array([len(t) for t in node_terms], dtype=np.int64)
        self.starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self.owner = np.repeat(np.arange(len(node_terms)), sizes)
        self.theta = np.concatenate(node_terms).astype(np.float64) if len(node_terms) else np.zeros(0)
        self.usage = np.concatenate(core.usage).astype(np.float64) if len(node_terms) else np.zeros(0)
        self.constant = constant + core.offset
        self.slack = (core.baseline - core.limit).astype(np.float64) if core.limit is not None else np.zeros(0)

    def value(self, mu: np.ndarray):
        """(B(mu), the supergradient load - limit per time point)."""
        core = self.core
        if len(self.theta) == 0:
            return self.constant, np.zeros(0)
        prefix = np.concatenate([[0.0], np.cumsum(mu)])
        penalty = prefix[core.hi] - prefix[core.lo] - self.prepaid
        values = self.theta + penalty[self.owner] * self.usage
        minima = np.minimum.reduceat(values, self.starts)
        bound = self.constant + float(minima.sum()) + float(mu @ self.slack)
        if len(mu) == 0:
            return bound, np.zeros(0)
        # The first minimiser of each node; its usage makes the load.
        at_min = np.flatnonzero(values <= minima[self.owner])
        _, first = np.unique(self.owner[at_min], return_index=True)
        used = self.usage[at_min[first]]
        diff = np.zeros(len(mu) + 1)
        np.add.at(diff, core.lo, used)
        np.add.at(diff, core.hi, -used)
        return bound, np.cumsum(diff)[:-1] + self.slack

    def maximise(self, steps: int, upper: float, mu=None) -> tuple[float, np.ndarray]:
        """The best bound over `steps` supergradient steps from mu (zeros by
        default) and the multipliers reaching it; `upper` is a known cost
        within the limit (inf if none)."""
        mu = np.zeros(len(self.slack)) if mu is None else np.array(mu, dtype=np.float64)
        best, best_mu = -np.inf, mu.copy()
        theta, stalled = THETA_START, 0
        for _ in range(max(1, steps)):
            bound, g = self.value(mu)
            if bound > best:
                best, best_mu, stalled = bound, mu.copy(), 0
            else:
                stalled += 1
                if stalled >= STALL:
                    theta, stalled = theta / 2, 0
            g[(mu <= 0) & (g < 0)] = 0.0
            norm = float(g @ g)
            if norm == 0.0:
                break  # the minimiser meets the limit with complementary slackness: B is L's maximum here
            gap = upper - bound if np.isfinite(upper) and upper > bound else 0.01 * max(abs(bound), 1.0)
            mu = np.maximum(0.0, mu + theta * gap / norm * g)
        return best, best_mu


def penalties(core, mu: np.ndarray) -> np.ndarray:
    """lambda_i: the sum of mu_t over node i's kept time points."""
    prefix = np.concatenate([[0.0], np.cumsum(mu)])
    return prefix[core.hi] - prefix[core.lo]


def lagrangian_bound(core, graph, iterations: int, upper: float, should_stop) -> float:
    """The best certified bound (offset included, not yet rounded) over
    `iterations` rounds: TRW-S forward and backward sweeps on the costs
    priced by the current mu, then mu climbed for those messages; `upper`
    is a cost known within the limit (inf if none). The messages are their
    own run, capped at twice `upper` (trws.py), because messages made for
    the search's prices are useless for a bound (G: -1.4e7 against
    217,039). `should_stop()` is asked before the messages are built and
    before each round."""
    if should_stop():
        return -np.inf
    base = [c.astype(np.float64) for c in core.costs]
    known = upper - core.offset
    messages = MessagePassing.of(graph, 2 * known + 1 if 0 <= known < np.inf else float(FORBIDDEN_COST))
    mu = np.zeros(len(core.baseline))
    best = -np.inf
    for _ in range(iterations):
        if should_stop():
            break
        paid = penalties(core, mu) if core.limit is not None and len(mu) else np.zeros(len(base))
        costs = [c + p * u if p else c for c, p, u in zip(base, paid.tolist(), core.usage)]
        messages.sweep(costs, True)
        messages.sweep(costs, False)
        node, constant = messages.pushed(costs)
        climb = LagrangianBound(core, node, constant, paid)
        bound, mu = climb.maximise(STEPS_PER_ROUND, upper, mu)
        best = max(best, bound)
    return best


def certified(bound: float) -> int:
    """The bound as an integer, rounded down with the safety margin."""
    return int(np.floor(bound - SAFETY * abs(bound)))
