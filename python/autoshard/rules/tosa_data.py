"""Sharding rules for TOSA data movement: slice, pad, concat, tile, reverse,
gather, scatter, resize, argmax.

A dimension the op does not move data along is a parallel factor shared by
operand and result.  A dimension it does move data along (the sliced, padded,
concatenated, tiled or reversed one) is an *output-only* factor: when it is
split, each device computes its own block of the result from an operand that
is whole along that dimension, at an offset given by its grid position (see
rules/local.py).  The other choice, gathering first and running the op
replicated, is always there too: the solver picks.
"""

from __future__ import annotations


from autoshard.rules.factor import Factor, FactorRule, OpInfo, numel


def _movement(op: OpInfo, moved: set[int], data_operands: int = 1) -> FactorRule | None:
    """Result dims in `moved` are output-only factors; the others are
    parallel over the first `data_operands` operands (same rank)."""
    out = op.results[0]
    if out is None or any(t is None or len(t.shape) != len(out.shape) for t in op.operands[:data_operands]):
        return None
    factors = tuple(Factor(f"d{d}", s) for d, s in enumerate(out.shape))
    dims = tuple(None if d in moved else d for d in range(len(out.shape)))
    operands = (dims,) * data_operands + (None,) * (len(op.operands) - data_operands)
    return FactorRule(factors, operands, (tuple(range(len(out.shape))),), 0)


def slice_(op: OpInfo) -> FactorRule | None:
    x, out = op.operands[0], op.results[0]
    start = op.shape_value(1)
    if x is None or out is None or start is None or len(start) != len(x.shape):
        return None
    moved = {d for d in range(len(x.shape)) if start[d] != 0 or out.shape[d] != x.shape[d]}
    return _movement(op, moved)


def pad(op: OpInfo) -> FactorRule | None:
    x = op.operands[0]
    padding = op.shape_value(1)
    if x is None or padding is None or len(padding) != 2 * len(x.shape):
        return None
    moved = {d for d in range(len(x.shape)) if padding[2 * d] or padding[2 * d + 1]}
    return _movement(op, moved)


def concat(op: OpInfo) -> FactorRule | None:
    axis = op.attr("axis")
    out = op.results[0]
    if axis is None or out is None or not 0 <= axis < len(out.shape):
        return None
    return _movement(op, {axis}, data_operands=len(op.operands))


def tile(op: OpInfo) -> FactorRule | None:
    x = op.operands[0]
    multiples = op.shape_value(1)
    if x is None or multiples is None or len(multiples) != len(x.shape):
        return None
    return _movement(op, {d for d, m in enumerate(multiples) if m != 1})


def reverse(op: OpInfo) -> FactorRule | None:
    axis = op.attr("axis")
    x = op.operands[0]
    if axis is None or x is None or not 0 <= axis < len(x.shape):
        return None
    return _movement(op, {axis})


def gather(op: OpInfo) -> FactorRule | None:
    """values [N,K,C], indices [N,W] -> [N,W,C]: batch, positions and
    channels split; K (the table being indexed) stays whole."""
    values, indices, out = op.operands[0], op.operands[1], op.results[0]
    if values is None or indices is None or out is None or len(values.shape) != 3 or len(indices.shape) != 2:
        return None
    N, _, C = values.shape
    factors = (Factor("n", N), Factor("w", indices.shape[1]), Factor("c", C))
    return FactorRule(factors, ((0, None, 2), (0, 1)), ((0, 1, 2),), 0)


def scatter(op: OpInfo) -> FactorRule | None:
    """values_in [N,K,C], indices [N,W], input [N,W,C] -> [N,K,C]: batch and
    channels split; K and W stay whole (any update may land anywhere)."""
    values, indices, updates, out = (*op.operands[:3], op.results[0])
    if values is None or indices is None or updates is None or out is None or len(values.shape) != 3:
        return None
    N, _, C = values.shape
    factors = (Factor("n", N), Factor("c", C))
    return FactorRule(factors, ((0, None, 1), (0, None), (0, None, 1)), ((0, None, 1),), 0)


def resize(op: OpInfo) -> FactorRule | None:
    """[N,IH,IW,C] -> [N,OH,OW,C]: batch and channels split; the spatial
    dimensions interpolate between neighbours at scale-dependent offsets and
    stay whole."""
    x, out = op.operands[0], op.results[0]
    if x is None or out is None or len(x.shape) != 4:
        return None
    factors = (Factor("n", x.shape[0]), Factor("c", x.shape[3]))
    operands = ((0, None, None, 1),) + (None,) * (len(op.operands) - 1)
    return FactorRule(factors, operands, ((0, None, None, 1),), 4 * numel(out.shape))


def argmax(op: OpInfo) -> FactorRule | None:
    """The reduced axis is dropped from the result and stays whole (the
    index of a maximum is not a partial value any collective combines)."""
    x, out = op.operands[0], op.results[0]
    axis = op.attr("axis")
    if x is None or out is None or axis is None or not 0 <= axis < len(x.shape):
        return None
    kept = [d for d in range(len(x.shape)) if d != axis]
    factors = tuple(Factor(f"d{d}", x.shape[d]) for d in kept)
    operand = tuple(None if d == axis else kept.index(d) for d in range(len(x.shape)))
    return FactorRule(factors, (operand,), (tuple(range(len(kept))),), numel(x.shape))


RULES = {
    "tosa.slice": slice_,
    "tosa.pad": pad,
    "tosa.concat": concat,
    "tosa.tile": tile,
    "tosa.reverse": reverse,
    "tosa.gather": gather,
    "tosa.scatter": scatter,
    "tosa.resize": resize,
    "tosa.argmax": argmax,
}
