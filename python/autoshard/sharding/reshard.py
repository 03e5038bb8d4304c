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

Halos: a source with halos first keeps only its core (`halo_drop`, a local
slice) unless the target has the same layout; a target with halos gets them
last (`halo_fill`: the core copied into a larger tensor, then
`shard.update_halo`), as upstream's partition does when halo sizes change.

Uneven dimensions (blocks of different sizes, see sharding/model.py) move
whole: a dimension that is uneven before or after is gathered completely
(every device pads its block to the largest, the padded blocks are
gathered, the padding dropped) and then sliced completely (each device cuts
its block at the offset of its position); reduce_scatter and all_to_all are
used only where every block involved is even.
"""

from __future__ import annotations

from dataclasses import dataclass

from autoshard.sharding.model import Grid, Sharding


class ReshardError(ValueError):
    pass


@dataclass(frozen=True)
class Step:
    kind: str  # all_reduce | reduce_scatter | all_to_all | all_gather | all_slice | halo_drop | halo_fill
    axes: tuple[int, ...]
    before: Sharding
    after: Sharding
    dim: int | None = None  # gather / slice / scatter axis; all_to_all: split axis
    concat_dim: int | None = None  # all_to_all only
    reduction: str = "sum"


def _set_dim(sh: Sharding, rank: int, d: int, axes, offsets=()) -> Sharding:
    """`sh` with dimension d split over `axes` into blocks at `offsets`
    (balanced when empty); no halos (they are handled around the core)."""
    split = list(sh.padded(rank))
    split[d] = tuple(axes)
    offs = [sh.dim_offsets(k) for k in range(rank)]
    offs[d] = tuple(offsets)
    return Sharding(sh.grid, tuple(split), sh.partial_axes, sh.partial_kind, tuple(offs))


def _drop_partial(sh: Sharding, axes) -> Sharding:
    return Sharding(sh.grid, sh.split_axes, tuple(a for a in sh.partial_axes if a not in axes), sh.partial_kind,
                    sh.offsets)


def _dim_layout(sh: Sharding, d: int):
    return sh.dim_axes(d), sh.dim_offsets(d)


def _common_prefix(a, b) -> int:
    n = 0
    while n < len(a) and n < len(b) and a[n] == b[n]:
        n += 1
    return n


def plan_reshard(grid: Grid, shape, src: Sharding, dst: Sharding) -> list[Step]:
    if src == dst:
        return []
    if dst.partial_axes and (
        not set(dst.partial_axes) <= set(src.partial_axes) or src.partial_kind != dst.partial_kind
    ):
        raise ReshardError(f"cannot make partial sharding {dst} from {src}")
    steps: list[Step] = []
    cur = src
    if cur.has_halos:
        core = cur.without_halos()
        steps.append(Step("halo_drop", tuple(sorted(cur.split_axis_set)), cur, core))
        cur = core
    target = dst.without_halos()
    steps += _plan_core(grid, shape, cur, target)
    if dst.has_halos:
        halo_axes = tuple(a for d in range(len(dst.halo_sizes)) if dst.dim_halo(d) != (0, 0)
                          for a in dst.dim_axes(d))
        steps.append(Step("halo_fill", halo_axes, target, dst))
    return steps


def _plan_core(grid: Grid, shape, src: Sharding, dst: Sharding) -> list[Step]:
    """The steps between two layouts without halos."""
    rank = len(shape)
    if src == dst:
        return []
    steps: list[Step] = []
    cur = src

    def even(sh: Sharding, d: int) -> bool:
        return not sh.is_uneven(grid, shape, d)

    # 1. reductions
    pending = [a for a in src.partial_axes if a not in dst.partial_axes]
    progress = True
    while progress:
        progress = False
        for a in list(pending):
            for d in range(rank):
                target = dst.dim_axes(d)
                if target and target[-1] == a and cur.dim_axes(d) == target[:-1] and even(cur, d) and even(dst, d):
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
            if not excess or have[: len(have) - len(excess)] != want or not (even(cur, d1) and even(dst, d1)):
                continue
            for d2 in range(rank):
                if d2 != d1 and dst.dim_axes(d2) == cur.dim_axes(d2) + excess and even(cur, d2) and even(dst, d2):
                    nxt = _set_dim(_set_dim(cur, rank, d1, want), rank, d2, dst.dim_axes(d2))
                    steps.append(Step("all_to_all", excess, cur, nxt, dim=d2, concat_dim=d1))
                    cur = nxt
                    progress = True
                    break
            if progress:
                break

    # 3. gathers (an uneven dimension whole)
    for d in range(rank):
        if _dim_layout(cur, d) == _dim_layout(dst, d):
            continue
        have, want = cur.dim_axes(d), dst.dim_axes(d)
        keep = _common_prefix(have, want) if even(cur, d) and even(dst, d) else 0
        if keep < len(have):
            nxt = _set_dim(cur, rank, d, have[:keep])
            steps.append(Step("all_gather", have[keep:], cur, nxt, dim=d))
            cur = nxt

    # 4. slices
    for d in range(rank):
        have, want = cur.dim_axes(d), dst.dim_axes(d)
        if len(want) > len(have):
            nxt = _set_dim(cur, rank, d, want, dst.dim_offsets(d))
            steps.append(Step("all_slice", want[len(have):], cur, nxt, dim=d))
            cur = nxt

    if cur != dst:  # every branch above must have closed the gap
        raise ReshardError(f"internal: resharding {src} -> {dst} ended at {cur}")
    return steps
