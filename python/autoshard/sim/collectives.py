"""Semantics of the `shard` dialect collectives on a simulated device grid.

Pure numpy, no MLIR: every function takes `values: {device: array}` for all
devices of the grid and returns the same kind of dict.

Groups (LLVM 22 `shard` semantics): for `grid_axes = [a0, a1, ...]` the
group of a device is every device that shares its coordinates on all grid
axes NOT listed; its in-group index is the row-major linear index of
(c[a0], c[a1], ...), a0 most significant — so [0, 1] and [1, 0] order the
same devices differently.
"""

from __future__ import annotations

import numpy as np

from autoshard.sharding.model import Grid  # noqa: F401  (the one grid type; re-exported)

Device = tuple


class CollectiveError(ValueError):
    """Bad collective parameters (the interpreter adds the op location)."""


def _check_axes(grid: Grid, axes) -> None:
    if len(set(axes)) != len(axes) or any(not 0 <= a < len(grid.shape) for a in axes):
        raise CollectiveError(f"grid_axes {list(axes)} invalid for a grid of shape {list(grid.shape)}")


def _group(grid: Grid, dev: Device, axes) -> list:
    _check_axes(grid, axes)
    return grid.group(dev, axes)


def _group_size(grid: Grid, axes) -> int:
    _check_axes(grid, axes)
    return grid.group_size(axes)


def _split(x: np.ndarray, n: int, axis: int) -> list:
    if not 0 <= axis < x.ndim:
        raise CollectiveError(f"axis {axis} out of range for a rank-{x.ndim} tensor")
    if x.shape[axis] % n:
        raise CollectiveError(f"dimension {axis} of size {x.shape[axis]} does not split into {n} equal parts")
    return np.split(x, n, axis=axis)


def _reduce(xs: list, kind: str, out_dtype) -> np.ndarray:
    """Reduce the group's tensors in in-group-index order, accumulating wide
    (float64/int64) so the only rounding is the final one to `out_dtype`."""
    if len({x.shape for x in xs}) != 1:
        raise CollectiveError(f"group members hold different shapes {sorted({x.shape for x in xs})}")
    kinds = {x.dtype.kind for x in xs}
    wide = np.float64 if "f" in kinds else (np.bool_ if kinds == {"b"} else np.int64)
    acc = xs[0].astype(wide)
    binary = {
        "sum": np.add,
        "average": np.add,
        "product": np.multiply,
        "max": np.maximum,
        "min": np.minimum,
        "bitwise_and": np.bitwise_and,
        "bitwise_or": np.bitwise_or,
        "bitwise_xor": np.bitwise_xor,
    }
    if kind not in binary:
        raise CollectiveError(f"reduction '{kind}' is not simulated")
    for x in xs[1:]:
        acc = binary[kind](acc, x.astype(wide))
    if kind == "average":
        # Integer average truncates toward zero (C division), floats divide.
        acc = acc / len(xs) if acc.dtype.kind == "f" else np.trunc(acc / len(xs)).astype(np.int64)
    out = np.dtype(out_dtype if out_dtype is not None else xs[0].dtype)
    if out.kind == "f" and xs[0].dtype.kind == "f":
        # Inputs already wider than the result type (the simulator's float64
        # mode) stay wide: rounding here would put f32 rounding into an f64
        # check; the interpreter rounds results to their type otherwise.
        out = np.promote_types(out, xs[0].dtype)
    return acc.astype(out)


def all_gather(values: dict, grid: Grid, axes, gather_axis: int) -> dict:
    return {
        d: np.concatenate([values[m] for m in _group(grid, d, axes)], axis=gather_axis) for d in grid.devices()
    }


def all_slice(values: dict, grid: Grid, axes, slice_axis: int) -> dict:
    n = _group_size(grid, axes)
    return {d: _split(values[d], n, slice_axis)[grid.in_group_index(d, axes)] for d in grid.devices()}


def all_reduce(values: dict, grid: Grid, axes, kind: str = "sum", out_dtype=None) -> dict:
    per_group = {}  # one reduction per group, shared by its members
    out = {}
    for d in grid.devices():
        group = tuple(_group(grid, d, axes))
        if group not in per_group:
            per_group[group] = _reduce([values[m] for m in group], kind, out_dtype)
        out[d] = per_group[group]
    return out


def reduce_scatter(values: dict, grid: Grid, axes, kind: str, scatter_axis: int, out_dtype=None) -> dict:
    reduced = all_reduce(values, grid, axes, kind, out_dtype)
    return all_slice(reduced, grid, axes, scatter_axis)


def all_to_all(values: dict, grid: Grid, axes, split_axis: int, concat_axis: int) -> dict:
    n = _group_size(grid, axes)
    chunks = {d: _split(values[d], n, split_axis) for d in grid.devices()}
    out = {}
    for d in grid.devices():
        me = grid.in_group_index(d, axes)
        out[d] = np.concatenate([chunks[src][me] for src in _group(grid, d, axes)], axis=concat_axis)
    return out


def broadcast(values: dict, grid: Grid, axes, root) -> dict:
    """Every group member gets the tensor of the member whose coordinates on
    `axes` are `root`."""
    if len(root) != len(axes) or any(not 0 <= r < grid.shape[a] for r, a in zip(root, axes)):
        raise CollectiveError(f"root {list(root)} invalid for grid_axes {list(axes)} of grid {list(grid.shape)}")
    out = {}
    for d in grid.devices():
        src = list(d)
        for a, r in zip(axes, root):
            src[a] = r
        out[d] = values[tuple(src)]
    return out


def _is_root(grid: Grid, d: Device, axes, root) -> bool:
    if len(root) != len(axes) or any(not 0 <= r < grid.shape[a] for r, a in zip(root, axes)):
        raise CollectiveError(f"root {list(root)} invalid for grid_axes {list(axes)} of grid {list(grid.shape)}")
    return all(d[a] == r for a, r in zip(axes, root))


def _undefined(x: np.ndarray) -> np.ndarray:
    """What the dialect leaves undefined: NaN for floats, so any use shows
    up in a comparison; zeros otherwise."""
    return np.full_like(x, np.nan) if x.dtype.kind == "f" else np.zeros_like(x)


def gather(values: dict, grid: Grid, axes, gather_axis: int, root) -> dict:
    """all_gather whose result only the root of each group holds."""
    gathered = all_gather(values, grid, axes, gather_axis)
    return {d: x if _is_root(grid, d, axes, root) else _undefined(x) for d, x in gathered.items()}


def reduce(values: dict, grid: Grid, axes, root, kind: str, out_dtype) -> dict:
    """all_reduce whose result only the root of each group holds."""
    reduced = all_reduce(values, grid, axes, kind, out_dtype)
    return {d: x if _is_root(grid, d, axes, root) else _undefined(x) for d, x in reduced.items()}


def scatter(values: dict, grid: Grid, axes, scatter_axis: int, root) -> dict:
    """Each group member gets its in-group-index chunk of the root's tensor."""
    n = _group_size(grid, axes)
    out = {}
    for d in grid.devices():
        src = next(m for m in _group(grid, d, axes) if _is_root(grid, m, axes, root))
        out[d] = _split(values[src], n, scatter_axis)[grid.in_group_index(d, axes)]
    return out


def _peer(grid: Grid, d: Device, axes, coords) -> Device:
    _is_root(grid, d, axes, coords)  # checks the coordinates
    peer = list(d)
    for a, c in zip(axes, coords):
        peer[a] = c
    return tuple(peer)


def send(values: dict, grid: Grid, axes, destinations: dict, mailbox: dict) -> dict:
    """Every device posts its tensor to the member of its group at its
    destination (coordinates on `axes`); `recv` takes it.  A send's own
    result is its operand."""
    for d in grid.devices():
        mailbox.setdefault(_peer(grid, d, axes, destinations[d] or ()), []).append((d, values[d]))
    return dict(values)


def recv(values: dict, grid: Grid, axes, sources: dict, mailbox: dict) -> dict:
    """Every device takes the oldest tensor posted to it (from the member of
    its group at its source, when given).  In a group of one device the
    operand is the result (upstream folds that case)."""
    if _group_size(grid, axes) == 1:
        return dict(values)
    out = {}
    for d in grid.devices():
        want = _peer(grid, d, axes, sources[d]) if sources[d] is not None else None
        box = mailbox.get(d, [])
        k = next((i for i, (src, _) in enumerate(box) if want is None or src == want), None)
        if k is None:
            raise CollectiveError(f"nothing was sent to device {list(d)}" + (f" from {list(want)}" if want else ""))
        received = box.pop(k)[1]
        if received.shape != values[d].shape:
            raise CollectiveError(f"device {list(d)} receives shape {list(received.shape)} into {list(values[d].shape)}")
        out[d] = received
    return out


def shift(values: dict, grid: Grid, axes, shift_axis: int, offset: int, rotate: bool) -> dict:
    """Device with coordinate c on `shift_axis` receives from c - offset
    (modulo the axis size if `rotate`). Without a source the result is
    undefined in the dialect: floats get NaN so any use shows up in a
    comparison, other types get zeros."""
    if shift_axis not in axes:
        raise CollectiveError(f"shift_axis {shift_axis} is not one of grid_axes {list(axes)}")
    size = grid.shape[shift_axis]
    out = {}
    for d in grid.devices():
        c = d[shift_axis] - offset
        if rotate:
            c %= size
        if 0 <= c < size:
            out[d] = values[d[:shift_axis] + (c,) + d[shift_axis + 1 :]]
        else:
            out[d] = _undefined(values[d])
    return out


def update_halo(values: dict, grid: Grid, split_axes: list, halo_sizes: list) -> dict:
    """Refresh halos: along every tensor dim d split over grid axes
    split_axes[d] (halo_sizes holds one (lo, hi) pair per such dim, in dim
    order), a device's first `lo` rows get the last `lo` core rows of the
    previous device of its group and its last `hi` rows get the first `hi`
    core rows of the next one. Halos at the ends of the grid are left as
    they are. Dims are exchanged one after the other with whole slabs, so
    corner halos come from diagonal neighbours, as with the MPI lowering."""
    pairs = iter(zip(halo_sizes[0::2], halo_sizes[1::2]))
    out = dict(values)
    for dim, axes in enumerate(split_axes):
        if not axes:
            continue
        lo, hi = next(pairs)
        n = _group_size(grid, axes)
        cur = out
        out = {}
        for d in grid.devices():
            x = np.array(cur[d])
            size = x.shape[dim]
            if lo + hi >= size:
                raise CollectiveError(f"halos {lo}+{hi} leave no core in dimension {dim} of size {size}")
            group, p = _group(grid, d, axes), grid.in_group_index(d, axes)
            index = [slice(None)] * x.ndim
            if lo and p > 0:
                src = cur[group[p - 1]]
                index[dim] = slice(0, lo)
                x[tuple(index)] = np.take(src, range(size - hi - lo, size - hi), axis=dim)
            if hi and p < n - 1:
                src = cur[group[p + 1]]
                index[dim] = slice(size - hi, size)
                x[tuple(index)] = np.take(src, range(lo, lo + hi), axis=dim)
            out[d] = x
    return out
