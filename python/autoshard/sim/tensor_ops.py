"""The few `tensor` ops partitioned programs use: a device's block at an
offset computed from its grid position, and a scalar made a tensor."""

from __future__ import annotations

import numpy as np

from autoshard.sim.helpers import attr_ints
from autoshard.sim.registry import local
from autoshard.sim.values import SimError

_DYNAMIC = -9223372036854775808  # ShapedType::kDynamic


def _mixed(static, dynamic):
    """Static values with the dynamic markers replaced, in order, by `dynamic`."""
    it = iter(dynamic)
    return [int(next(it)) if s == _DYNAMIC else s for s in static]


@local("tensor.extract_slice")
def _extract_slice(op, args, dev):
    seg = attr_ints(op, "operandSegmentSizes")
    x = np.asarray(args[0])
    rest = args[1:]
    offsets = _mixed(attr_ints(op, "static_offsets"), rest[: seg[1]])
    sizes = _mixed(attr_ints(op, "static_sizes"), rest[seg[1] : seg[1] + seg[2]])
    strides = _mixed(attr_ints(op, "static_strides"), rest[seg[1] + seg[2] :])
    if len(offsets) != x.ndim:
        raise SimError("'tensor.extract_slice': rank-reducing slices are not simulated", op.location)
    index = []
    for d, (o, s, st) in enumerate(zip(offsets, sizes, strides)):
        last = o + (s - 1) * st
        if o < 0 or st < 1 or (s > 0 and last >= x.shape[d]):
            raise SimError(
                f"'tensor.extract_slice': offsets {offsets} sizes {sizes} strides {strides} "
                f"out of bounds of {list(x.shape)}", op.location)
        index.append(slice(o, o + s * st, st))
    return x[tuple(index)]


@local("tensor.from_elements")
def _from_elements(op, args, dev):
    shape = list(op.results[0].type.shape)
    return np.array([np.asarray(a).item() for a in args]).reshape(shape)


@local("tensor.cast")
def _cast(op, args, dev):
    # Only the static type changes; the interpreter checks the shape fits it.
    return args[0]


@local("tensor.insert_slice")
def _insert_slice(op, args, dev):
    seg = attr_ints(op, "operandSegmentSizes")
    src, dest = np.asarray(args[0]), np.array(args[1])
    rest = args[2:]
    offsets = _mixed(attr_ints(op, "static_offsets"), rest[: seg[2]])
    sizes = _mixed(attr_ints(op, "static_sizes"), rest[seg[2] : seg[2] + seg[3]])
    strides = _mixed(attr_ints(op, "static_strides"), rest[seg[2] + seg[3] :])
    if len(offsets) != dest.ndim or list(src.shape) != sizes or any(st != 1 for st in strides):
        raise SimError(f"'tensor.insert_slice': a {list(src.shape)} source at offsets {offsets} sizes {sizes} "
                       f"strides {strides} is not simulated (rank-reducing or strided)", op.location)
    if any(o < 0 or o + s > n for o, s, n in zip(offsets, sizes, dest.shape)):
        raise SimError(f"'tensor.insert_slice': offsets {offsets} sizes {sizes} out of bounds of "
                       f"{list(dest.shape)}", op.location)
    dest[tuple(slice(o, o + s) for o, s in zip(offsets, sizes))] = src
    return dest


@local("tensor.dim")
def _dim(op, args, dev):
    x, d = np.asarray(args[0]), int(args[1])
    if not 0 <= d < x.ndim:
        raise SimError(f"'tensor.dim': index {d} out of range for a rank-{x.ndim} tensor", op.location)
    return x.shape[d]


@local("tensor.extract")
def _extract(op, args, dev):
    x = np.asarray(args[0])
    index = tuple(int(i) for i in args[1:])
    if len(index) != x.ndim or any(not 0 <= i < n for i, n in zip(index, x.shape)):
        raise SimError(f"'tensor.extract': index {list(index)} out of bounds of {list(x.shape)}", op.location)
    return x[index].item()
