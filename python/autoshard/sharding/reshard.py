"""How to turn a tensor laid out by one sharding into another, as a list of
shard-dialect collectives.  The cost model prices exactly the steps that
`autoshard-partition` emits, so plan and program agree.

Order (cheapest first: reduce while the data is smallest, slice last):
1. partial axes the target does not keep: `reduce_scatter` on an axis that the
   target appends to a dimension whose current split is already the target's
   prefix, `all_reduce` for the rest (one op over all of them);
2. `all_to_all` for an axis group that leaves the end of one dimension's split
   and joins the end of another's, where both are otherwise already right;
3. `all_gather` of every split suffix that is not a prefix of the target's;
4. `all_slice` of the target's remaining split suffixes (no communication).
A target with partial axes is reachable only from a source with the same
partial axes and kind (nothing makes partial values out of whole ones).
"""

from __future__ import annotations

from dataclasses import dataclass

from autoshard.sharding.model import Grid, Sharding


class ReshardError(ValueError):
    pass


@dataclass(frozen=True)
class Step:
    kind: str  # all_reduce | reduce_scatter | all_to_all | all_gather | all_slice
    axes: tuple[int, ...]
    before: Sharding
    after: Sharding
    dim: int | None = None  # gather / slice / scatter axis; all_to_all: split axis
    concat_dim: int | None = None  # all_to_all only
    reduction: str = "sum"


def _set_dim(sh: Sharding, rank: int, d: int, axes) -> Sharding:
    split = list(sh.padded(rank))
    split[d] = tuple(axes)
    return Sharding(sh.grid, tuple(split), sh.partial_axes, sh.partial_kind)


def _drop_partial(sh: Sharding, axes) -> Sharding:
    return Sharding(sh.grid, sh.split_axes, tuple(a for a in sh.partial_axes if a not in axes), sh.partial_kind)


def _common_prefix(a, b) -> int:
    n = 0
    while n < len(a) and n < len(b) and a[n] == b[n]:
        n += 1
    return n


def plan_reshard(grid: Grid, shape, src: Sharding, dst: Sharding) -> list[Step]:
    rank = len(shape)
    if src == dst:
        return []
    if dst.partial_axes and (
        not set(dst.partial_axes) <= set(src.partial_axes) or src.partial_kind != dst.partial_kind
    ):
        raise ReshardError(f"cannot make partial sharding {dst} from {src}")
    steps: list[Step] = []
    cur = src

    # 1. reductions
    pending = [a for a in src.partial_axes if a not in dst.partial_axes]
    progress = True
    while progress:
        progress = False
        for a in list(pending):
            for d in range(rank):
                target = dst.dim_axes(d)
                if target and target[-1] == a and cur.dim_axes(d) == target[:-1]:
                    nxt = _drop_partial(_set_dim(cur, rank, d, target), (a,))
                    steps.append(Step("reduce_scatter", (a,), cur, nxt, dim=d, reduction=src.partial_kind))
                    cur = nxt
                    pending.remove(a)
                    progress = True
                    break
    if pending:
        nxt = _drop_partial(cur, pending)
        steps.append(Step("all_reduce", tuple(pending), cur, nxt, reduction=src.partial_kind))
        cur = nxt

    # 2. all_to_all moves
    progress = True
    while progress:
        progress = False
        for d1 in range(rank):
            have, want = cur.dim_axes(d1), dst.dim_axes(d1)
            excess = have[_common_prefix(have, want):]
            if not excess or have[: len(have) - len(excess)] != want:
                continue
            for d2 in range(rank):
                if d2 != d1 and dst.dim_axes(d2) == cur.dim_axes(d2) + excess:
                    nxt = _set_dim(_set_dim(cur, rank, d1, want), rank, d2, dst.dim_axes(d2))
                    steps.append(Step("all_to_all", excess, cur, nxt, dim=d2, concat_dim=d1))
                    cur = nxt
                    progress = True
                    break
            if progress:
                break

    # 3. gathers
    for d in range(rank):
        have, want = cur.dim_axes(d), dst.dim_axes(d)
        keep = _common_prefix(have, want)
        if keep < len(have):
            nxt = _set_dim(cur, rank, d, have[:keep])
            steps.append(Step("all_gather", have[keep:], cur, nxt, dim=d))
            cur = nxt

    # 4. slices
    for d in range(rank):
        have, want = cur.dim_axes(d), dst.dim_axes(d)
        if len(want) > len(have):
            nxt = _set_dim(cur, rank, d, want)
            steps.append(Step("all_slice", want[len(have):], cur, nxt, dim=d))
            cur = nxt

    if cur != dst:  # every branch above must have closed the gap
        raise ReshardError(f"internal: resharding {src} -> {dst} ended at {cur}")
    return steps
