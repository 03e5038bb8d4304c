"""How an op runs on one device under a strategy: its SPMD form.

`autoshard-partition` reshards every operand to the layout the strategy
needs and then asks `lower` for the local computation.  Most ops are the same
op on local shapes; this module holds the ops that need more:

- shape operands that name a global shape (reshape's shape, slice's size)
  get the local one;
- a windowed op (convolution, pooling) split along a spatial dimension pads
  its local block with the halo rows it needs, fills them from the
  neighbouring devices (`shard.update_halo`), and runs with no padding on
  that dimension (the padding the edge devices need is the pad value the
  halo rows start with);
- a split contraction that also adds a bias (convolutions) adds it on the
  devices at coordinate 0 of the reduced axes only, so the partial sums
  still add up to one bias;
- a linalg structured op is cloned with its region onto local operands; a
  split sum or product reduction masks its init the same way;
- an output-only factor (slice, pad, concat, tile, reverse along a split
  dimension) takes the device's block of the result at an offset computed
  from its grid position (`shard.process_multi_index`, `arith`,
  `tensor.extract_slice` with dynamic offsets).
"""

from __future__ import annotations

from autoshard.diagnostics import AutoshardError
from autoshard.ir import ir
from autoshard.rules.factor import FactorRule
from autoshard.rules.linalg import IDENTITY

_DYNAMIC = -9223372036854775808  # ShapedType::kDynamic in static_offsets


class LocalBuilder:
    """Creates the ops of a local computation at the current insertion point."""

    def __init__(self, grid, loc, source=None, captured=None):
        self.grid = grid
        self.loc = loc
        self.source = source  # the op being lowered (ops with regions are cloned with them)
        self.captured = captured or {}  # values its region uses from outside -> their SPMD copies

    def _create(self, name, results, operands, attributes):
        return ir.Operation.create(name, results=results, operands=operands, attributes=attributes, loc=self.loc)

    def index(self, v: int) -> ir.Value:
        attr = ir.IntegerAttr.get(ir.IndexType.get(), v)
        return self._create("arith.constant", [ir.IndexType.get()], [], {"value": attr}).results[0]

    def _arith(self, name, a, b) -> ir.Value:
        return self._create(name, [ir.IndexType.get()], [a, b], {}).results[0]

    def linear_index(self, axes) -> ir.Value:
        """The device's position along `axes`, major to minor (the shard
        index of a dimension split over them)."""
        grid_ref = ir.FlatSymbolRefAttr.get(self.grid.name)
        op = self._create("shard.process_multi_index", [ir.IndexType.get()] * len(axes), [],
                          {"grid": grid_ref, "axes": ir.DenseI16ArrayAttr.get(list(axes))})
        lin = op.results[0]
        for a, coord in zip(axes[1:], list(op.results)[1:]):
            lin = self._arith("arith.addi", self._arith("arith.muli", lin, self.index(self.grid.shape[a])), coord)
        return lin

    def block_offset(self, axes, block: int, base: int = 0, reverse: bool = False) -> ir.Value:
        """base + (position along axes) * block; with `reverse`, the position
        counted from the other end."""
        lin = self.linear_index(axes)
        if reverse:
            lin = self._arith("arith.subi", self.index(self.grid.group_size(axes) - 1), lin)
        off = self._arith("arith.muli", lin, self.index(block))
        return self._arith("arith.addi", off, self.index(base)) if base else off

    def const_shape(self, values) -> ir.Value:
        n = len(values)
        text = ", ".join(str(int(v)) for v in values)
        attr = ir.Attribute.parse(f"dense<[{text}]> : tensor<{n}xindex>")
        return self._create("tosa.const_shape", [ir.Type.parse(f"!tosa.shape<{n}>")], [], {"values": attr}).results[0]

    def splat(self, elem_type, shape, value) -> ir.Value:
        t = ir.RankedTensorType.get(list(shape), elem_type)
        return self._create("tosa.const", [t], [], {"values": ir.DenseElementsAttr.get_splat(t, value)}).results[0]

    def extract_slice(self, x, offsets, sizes) -> ir.Value:
        """x[offsets : offsets + sizes]; an offset is an int or an index Value."""
        dynamic = [o for o in offsets if not isinstance(o, int)]
        static = [o if isinstance(o, int) else _DYNAMIC for o in offsets]
        elem = ir.RankedTensorType(x.type).element_type
        attrs = {
            "operandSegmentSizes": ir.DenseI32ArrayAttr.get([1, len(dynamic), 0, 0]),
            "static_offsets": ir.DenseI64ArrayAttr.get(static),
            "static_sizes": ir.DenseI64ArrayAttr.get(list(sizes)),
            "static_strides": ir.DenseI64ArrayAttr.get([1] * len(sizes)),
        }
        out = ir.RankedTensorType.get(list(sizes), elem)
        return self._create("tensor.extract_slice", [out], [x, *dynamic], attrs).results[0]

    def pad(self, x, pairs, pad_const) -> ir.Value:
        t = ir.RankedTensorType(x.type)
        shape = [s + lo + hi for s, (lo, hi) in zip(t.shape, pairs)]
        padding = self.const_shape([v for pair in pairs for v in pair])
        out = ir.RankedTensorType.get(shape, t.element_type)
        return self._create("tosa.pad", [out], [x, padding, pad_const], {}).results[0]

    def update_halo(self, x, dim: int, axes, lo: int, hi: int) -> ir.Value:
        split = ", ".join("[" + ", ".join(map(str, axes if d == dim else ())) + "]" for d in range(dim + 1))
        attrs = {
            "grid": ir.FlatSymbolRefAttr.get(self.grid.name),
            "split_axes": ir.Attribute.parse(f"#shard<axisarray[{split}]>"),
            "static_halo_sizes": ir.DenseI64ArrayAttr.get([lo, hi]),
        }
        return self._create("shard.update_halo", [x.type], [x], attrs).results[0]

    def is_first_on_axes(self, axes) -> ir.Value:
        """An i1: true on the devices at coordinate 0 of `axes`."""
        lin = self.linear_index(axes)
        i1 = ir.IntegerType.get_signless(1)
        pred = ir.IntegerAttr.get(ir.IntegerType.get_signless(64), 0)  # eq
        return self._create("arith.cmpi", [i1], [lin, self.index(0)], {"predicate": pred}).results[0]

    def first_on_axes(self, axes) -> ir.Value:
        """A tensor<1xi1>: true on the devices at coordinate 0 of `axes`."""
        t = ir.RankedTensorType.get([1], ir.IntegerType.get_signless(1))
        return self._create("tensor.from_elements", [t], [self.is_first_on_axes(axes)], {}).results[0]

    def clone_source(self, operands, result_types) -> list:
        """The op being lowered, region and attributes unchanged, on
        `operands` with `result_types` (local shapes)."""
        new = self.source.clone()
        for i, v in enumerate(operands):
            new.operands[i] = v
        for r, t in zip(new.results, result_types):
            r.set_type(t)
        if self.captured:
            for region in new.regions:
                for block in region.blocks:
                    for inner in block.operations:
                        inner = inner.operation
                        for i, v in enumerate(inner.operands):
                            if v in self.captured:
                                inner.operands[i] = self.captured[v]
        return list(new.results)

    def select(self, cond, a, b) -> ir.Value:
        return self._create("tosa.select", [a.type], [cond, a, b], {}).results[0]


def _clone(b: LocalBuilder, name, operands, result_types, attrs) -> list:
    return list(b._create(name, result_types, operands, attrs).results)


def _shape(t) -> list[int]:
    return list(ir.RankedTensorType(t).shape)


# --- windowed ops -------------------------------------------------------------


def _lowest(elem_type):
    """The pad value max pooling ignores: -inf, or the integer minimum."""
    if isinstance(elem_type, ir.IntegerType):
        width = ir.IntegerType(elem_type).width
        return -(1 << (width - 1))
    return float("-inf")


def _with_halos(b: LocalBuilder, rule: FactorRule, strat, x, pad_value, attrs, pad_key="pad"):
    """Operand 0 extended by its halos; the op's padding on those dims set to 0."""
    pads = list(ir.DenseI64ArrayAttr(attrs[pad_key])) if pad_key in attrs else None
    for w in rule.windows:
        axes = strat[w.factor]
        if not axes:
            continue
        halo = rule.halo(b.grid, strat, w)
        assert halo is not None  # the rule accepted strat (FactorRule.valid checks every halo)
        lo, hi = halo
        hi_pad = max(hi, 0)
        if lo or hi_pad:
            rank = len(_shape(x.type))
            pairs = [(lo, hi_pad) if d == w.dim else (0, 0) for d in range(rank)]
            x = b.pad(x, pairs, pad_value())
            x = b.update_halo(x, w.dim, axes, lo, hi_pad)
        if pads is not None:
            i = w.dim - 1
            pads[2 * i] = pads[2 * i + 1] = 0
    if pads is not None:
        attrs = dict(attrs)
        attrs[pad_key] = ir.DenseI64ArrayAttr.get(pads)
    return x, attrs


def _masked_bias(b: LocalBuilder, rule: FactorRule, strat, bias):
    """A bias added by a split contraction: only the devices at coordinate 0
    of the reduced axes add it."""
    axes = tuple(a for f, ax in zip(rule.factors, strat) if f.reduction for a in ax)
    if not axes:
        return bias
    t = ir.RankedTensorType(bias.type)
    zeros = b.splat(t.element_type, t.shape, _splat_value(t.element_type, 0))
    return b.select(b.first_on_axes(axes), bias, zeros)


def _splat_value(elem_type, v):
    if isinstance(elem_type, ir.IntegerType):
        return ir.IntegerAttr.get(elem_type, int(v))
    return ir.FloatAttr.get(elem_type, float(v))


def _conv(b, info, rule, strat, operands, result_types, attrs):
    x, w, bias, *rest = operands
    x, attrs = _with_halos(b, rule, strat, x, lambda: rest[0], attrs)  # pad with input_zp
    bias = _masked_bias(b, rule, strat, bias)
    return _clone(b, info.name, [x, w, bias, *rest], result_types, attrs)


def _max_pool(b, info, rule, strat, operands, result_types, attrs):
    elem = ir.RankedTensorType(operands[0].type).element_type
    fill = lambda: b.splat(elem, [1], _splat_value(elem, _lowest(elem)))  # noqa: E731
    x, attrs = _with_halos(b, rule, strat, operands[0], fill, attrs)
    return _clone(b, info.name, [x, *operands[1:]], result_types, attrs)


def _avg_pool(b, info, rule, strat, operands, result_types, attrs):
    # Windows exist only on unpadded dims whose kernel fits the stride
    # (tosa_nn.pool): no halo is ever needed, the rows line up.
    x, attrs = _with_halos(b, rule, strat, operands[0], None, attrs)
    return _clone(b, info.name, [x, *operands[1:]], result_types, attrs)


# --- linalg structured ops ---------------------------------------------------


def _structured(b, info, rule, strat, operands, result_types, attrs):
    """The op on local operands, its region copied.  A split sum/product
    reduction starts from the init on the devices at coordinate 0 of the
    reduced axes and from the identity elsewhere, so that the partials add up
    to one init (a `linalg.fill` of the identity needs no mask)."""
    s = info.structured
    axes = tuple(a for f, ax in zip(rule.factors, strat) if f.reduction for a in ax)
    kind = next((f.reduction for f in rule.factors if f.reduction), None)
    operands = list(operands)
    if axes and kind in IDENTITY:
        identity = IDENTITY[kind]
        first = None
        for i in range(len(result_types)):
            k = s.n_inputs + i
            if i < len(s.init_fills) and s.init_fills[i] is not None and s.init_fills[i] == identity:
                continue
            if first is None:
                first = b.is_first_on_axes(axes)
            t = ir.RankedTensorType(operands[k].type)
            ident = b._create("arith.constant", [t], [], {
                "value": ir.DenseElementsAttr.get_splat(t, _splat_value(t.element_type, identity))}).results[0]
            operands[k] = b._create("arith.select", [t], [first, operands[k], ident], {}).results[0]
    return b.clone_source(operands, result_types)


# --- data movement --------------------------------------------------------------


def _split_moved(b, rule, strat):
    """{result dim: grid axes} of the output-only factors this strategy splits."""
    moved = set(rule.output_only_factors())
    return {d: strat[f] for d, f in enumerate(rule.results[0]) if f in moved and strat[f]}


def _slice(b, info, rule, strat, operands, result_types, attrs):
    x = operands[0]
    local = _shape(result_types[0])
    start = list(info.shape_value(1))
    split = _split_moved(b, rule, strat)
    if not split:
        return _clone(b, info.name, [x, operands[1], b.const_shape(local)], result_types, attrs)
    offsets = [b.block_offset(split[d], local[d], start[d]) if d in split else start[d] for d in range(len(local))]
    return [b.extract_slice(x, offsets, local)]


def _reverse(b, info, rule, strat, operands, result_types, attrs):
    split = _split_moved(b, rule, strat)
    if not split:
        return _clone(b, info.name, operands, result_types, attrs)
    local = _shape(result_types[0])
    # Block p of reverse(x) is reverse(block n-1-p of x).
    offsets = [b.block_offset(split[d], local[d], reverse=True) if d in split else 0 for d in range(len(local))]
    return _clone(b, info.name, [b.extract_slice(operands[0], offsets, local), *operands[1:]], result_types, attrs)


def _block_of_whole(b, info, rule, strat, operands, result_types, attrs, split):
    """The op computed whole along the split output-only dims, then the
    device's block taken."""
    local = _shape(result_types[0])
    whole = [s * b.grid.group_size(split[d]) if d in split else s for d, s in enumerate(local)]
    elem = ir.RankedTensorType(result_types[0]).element_type
    full = _clone(b, info.name, operands, [ir.RankedTensorType.get(whole, elem)], attrs)[0]
    offsets = [b.block_offset(split[d], local[d]) if d in split else 0 for d in range(len(local))]
    return [b.extract_slice(full, offsets, local)]


def _tile(b, info, rule, strat, operands, result_types, attrs):
    split = _split_moved(b, rule, strat)
    if not split:
        return _clone(b, info.name, operands, result_types, attrs)
    multiples = list(info.shape_value(1))
    if all(multiples[d] % b.grid.group_size(axes) == 0 for d, axes in split.items()):
        # Each device's block is a whole number of copies.
        local = [m // b.grid.group_size(split[d]) if d in split else m for d, m in enumerate(multiples)]
        return _clone(b, info.name, [operands[0], b.const_shape(local)], result_types, attrs)
    return _block_of_whole(b, info, rule, strat, operands, result_types, attrs, split)


def _movement(b, info, rule, strat, operands, result_types, attrs):
    split = _split_moved(b, rule, strat)
    if not split:
        return _clone(b, info.name, operands, result_types, attrs)
    return _block_of_whole(b, info, rule, strat, operands, result_types, attrs, split)


def _reshape(b, info, rule, strat, operands, result_types, attrs):
    # The shape operand names the global result shape: give it the local one.
    return _clone(b, info.name, [operands[0], b.const_shape(_shape(result_types[0]))], result_types, attrs)


LOWERINGS = {
    "tosa.conv2d": _conv,
    "tosa.conv3d": _conv,
    "tosa.depthwise_conv2d": _conv,
    "tosa.transpose_conv2d": _conv,
    "tosa.max_pool2d": _max_pool,
    "tosa.avg_pool2d": _avg_pool,
    "tosa.slice": _slice,
    "tosa.reverse": _reverse,
    "tosa.tile": _tile,
    "tosa.pad": _movement,
    "tosa.concat": _movement,
    "tosa.reshape": _reshape,
}


def lower(builder: LocalBuilder, info, rule: FactorRule, strat, operands, result_types, attrs) -> list:
    """The local computation of an op with `info` (OpInfo) under `strat`, on
    operands already in the layouts the strategy needs; returns the results."""
    fn = _structured if info.structured is not None else LOWERINGS.get(info.name)
    if fn is None and builder.source is not None and len(builder.source.regions):
        return builder.clone_source(operands, result_types)
    if fn is None:
        return _clone(builder, info.name, operands, result_types, attrs)
    dynamic = [a for axes in strat for a in axes if builder.grid.shape[a] < 0]
    if dynamic:
        # Halos, offsets, masks and local shape operands are built from
        # static block sizes.
        raise AutoshardError(f"'{info.name}' split over grid axis {dynamic[0]} of grid '@{builder.grid.name}' "
                             f"(shape {builder.grid.shape_text}): this op needs a static size for that axis",
                             builder.loc)
    return fn(builder, info, rule, strat, operands, result_types, attrs)


__all__ = ["LocalBuilder", "lower"]
