"""The IR of a resharding: the steps `plan_reshard` lists, as ops.

Even steps are one shard collective each.  Three kinds need more, because
the shard collectives move equal blocks only:

- `all_gather` of an uneven dimension: each device copies its block into a
  zero tensor of the largest block's size (`tensor.insert_slice`), the padded
  blocks are gathered, and the gathered tensor is cut back to the real
  blocks (`tensor.extract_slice` of each, `tosa.concat`); all static except
  the local block's own size (`tensor.dim`);
- `all_slice` into an uneven dimension: each device reads its block's
  bounds from a constant table of boundaries at its position
  (`shard.process_multi_index`, `tensor.extract`) and slices
  (`tensor.extract_slice` with dynamic offset and size);
- halos: `halo_drop` slices the core out of a haloed block; `halo_fill`
  copies the core into a tensor with room for the halos (`tensor.empty`,
  `tensor.insert_slice`) and fills them with `shard.update_halo`, as
  upstream's partition does.
"""

from __future__ import annotations

from autoshard.diagnostics import AutoshardError
from autoshard.ir import ir
from autoshard.rules.local import LocalBuilder
from autoshard.sharding import Sharding
from autoshard.sharding.collectives import COLLECTIVES
from autoshard.sharding.model import DYNAMIC
from autoshard.sharding.ir_convert import axis_array_text, collective_attributes, flat_halos
from autoshard.sharding.reshard import ReshardError, Step, plan_reshard

_DYNAMIC = ir.ShapedType.get_dynamic_size()


def tensor_type(shape, elem_type) -> ir.Type:
    """A ranked tensor type; negative sizes are dynamic."""
    return ir.RankedTensorType.get([s if s >= 0 else _DYNAMIC for s in shape], elem_type)


def _create(name, results, operands, attributes, loc):
    return ir.Operation.create(name, results=results, operands=operands, attributes=attributes, loc=loc)


def _slice_attrs(n_lead: int, offsets, sizes, dyn_offsets: int, dyn_sizes: int) -> dict:
    return {
        "operandSegmentSizes": ir.DenseI32ArrayAttr.get([1] * n_lead + [dyn_offsets, dyn_sizes, 0]),
        "static_offsets": ir.DenseI64ArrayAttr.get([o if isinstance(o, int) else _DYNAMIC for o in offsets]),
        "static_sizes": ir.DenseI64ArrayAttr.get([s if isinstance(s, int) else _DYNAMIC for s in sizes]),
        "static_strides": ir.DenseI64ArrayAttr.get([1] * len(sizes)),
    }


def _dynamic(values) -> list:
    return [v for v in values if not isinstance(v, int)]


def extract_slice(x, offsets, sizes, out_type, loc):
    """x[offsets : offsets + sizes]; offsets and sizes are ints or index Values."""
    attrs = _slice_attrs(1, offsets, sizes, len(_dynamic(offsets)), len(_dynamic(sizes)))
    return _create("tensor.extract_slice", [out_type], [x, *_dynamic(offsets), *_dynamic(sizes)], attrs,
                   loc).results[0]


def insert_slice(src, dest, offsets, sizes, loc):
    attrs = _slice_attrs(2, offsets, sizes, len(_dynamic(offsets)), len(_dynamic(sizes)))
    return _create("tensor.insert_slice", [dest.type], [src, dest, *_dynamic(offsets), *_dynamic(sizes)], attrs,
                   loc).results[0]


def _scaled(size: int, n: int, grow: bool) -> int:
    """A local dimension gathered (`grow`) or split over a group of n
    devices, either possibly dynamic (-1)."""
    if n == 1:
        return size
    if size < 0 or n == DYNAMIC:
        return -1
    return size * n if grow else size // n


def _collective_shape(step: Step, grid, shape) -> tuple:
    """The result shape the shard op's verifier derives from its operand's
    (upstream's rule: a dynamic group or dimension makes the moved dimension
    dynamic); the layout's local shape may know more (a replicated dimension
    is static again), and a `tensor.cast` then says so."""
    out = list(step.before.spmd_shape(grid, shape))
    n = grid.group_size(step.axes)
    assert step.dim is not None
    if step.kind == "all_gather":
        out[step.dim] = _scaled(out[step.dim], n, grow=True)
    elif step.kind in ("all_slice", "reduce_scatter"):
        out[step.dim] = _scaled(out[step.dim], n, grow=False)
    elif step.kind == "all_to_all":
        assert step.concat_dim is not None
        out[step.dim] = _scaled(out[step.dim], n, grow=False)
        out[step.concat_dim] = _scaled(out[step.concat_dim], n, grow=True)
    return tuple(out)


class Emitter:
    """Emits the ops of layout changes at the current insertion point."""

    def __init__(self, grid):
        self.grid = grid

    def reshard(self, value, shape, src: Sharding, dst: Sharding, loc):
        if src == dst:
            return value
        try:
            steps = plan_reshard(self.grid, shape, src, dst)
        except ReshardError:
            raise AutoshardError(f"cannot reshard a value from {src} to {dst}", loc) from None
        for sh in (src, dst):
            if len(sh.uneven_dims(self.grid, shape)) > 1:
                raise AutoshardError(f"layout {sh} splits several dimensions unevenly; autoshard-partition "
                                     f"supports one uneven dimension per tensor", loc)
        elem = ir.RankedTensorType(value.type).element_type
        for st in steps:
            value = self._step(value, tuple(shape), st, elem, loc)
        return value

    def _step(self, value, shape, st: Step, elem, loc):
        grid = self.grid
        out_type = tensor_type(st.after.spmd_shape(grid, shape), elem)
        if st.kind == "halo_drop":
            return self._halo_drop(value, shape, st, out_type, loc)
        if st.kind == "halo_fill":
            return self._halo_fill(value, shape, st, out_type, loc)
        if st.kind == "all_gather" and st.dim is not None and st.before.is_uneven(grid, shape, st.dim):
            return self._uneven_gather(value, shape, st, elem, loc)
        if st.kind == "all_slice" and st.dim is not None and st.after.is_uneven(grid, shape, st.dim):
            return self._uneven_slice(value, shape, st, out_type, loc)
        coll_type = out_type
        if st.dim is not None and st.kind in ("all_gather", "all_slice", "reduce_scatter", "all_to_all"):
            coll_type = tensor_type(_collective_shape(st, grid, shape), elem)
        op = _create(COLLECTIVES[st.kind].op_name, [coll_type], [value], collective_attributes(grid, st), loc)
        value = op.results[0]
        if coll_type != out_type:
            value = _create("tensor.cast", [out_type], [value], {}, loc).results[0]
        return value

    # -- halos ---------------------------------------------------------------------
    def _halo_drop(self, value, shape, st: Step, out_type, loc):
        rank = len(shape)
        offsets = [st.before.dim_halo(d)[0] for d in range(rank)]
        return extract_slice(value, offsets, list(st.after.spmd_shape(self.grid, shape)), out_type, loc)

    def _halo_fill(self, value, shape, st: Step, out_type, loc):
        rank = len(shape)
        empty = _create("tensor.empty", [out_type], [], {}, loc).results[0]
        offsets = [st.after.dim_halo(d)[0] for d in range(rank)]
        core = insert_slice(value, empty, offsets, list(st.before.spmd_shape(self.grid, shape)), loc)
        attrs = {
            "grid": ir.FlatSymbolRefAttr.get(self.grid.name),
            "split_axes": ir.Attribute.parse(f"#shard<axisarray{axis_array_text(st.after.split_axes)}>"),
            "static_halo_sizes": ir.DenseI64ArrayAttr.get(flat_halos(st.after)),
        }
        return _create("shard.update_halo", [out_type], [core], attrs, loc).results[0]

    # -- uneven blocks -------------------------------------------------------------
    def _uneven_gather(self, value, shape, st: Step, elem, loc):
        grid, d = self.grid, st.dim
        assert d is not None
        b = LocalBuilder(grid, loc)
        local = list(st.before.spmd_shape(grid, shape))
        largest = st.before.local_shape(grid, shape)[d]
        padded_shape = [largest if k == d else s for k, s in enumerate(local)]
        zeros_t = tensor_type(padded_shape, elem)
        zero = ir.IntegerAttr.get(elem, 0) if isinstance(elem, ir.IntegerType) else ir.FloatAttr.get(elem, 0.0)
        zeros = _create("tosa.const", [zeros_t], [], {"values": ir.DenseElementsAttr.get_splat(zeros_t, zero)},
                        loc).results[0]
        size = _create("tensor.dim", [ir.IndexType.get()], [value, b.index(d)], {}, loc).results[0]
        padded = insert_slice(value, zeros, [0] * len(local), [size if k == d else s for k, s in enumerate(local)],
                              loc)
        n = grid.group_size(st.axes)
        gathered_shape = [largest * n if k == d else s for k, s in enumerate(padded_shape)]
        step = Step("all_gather", st.axes, st.before, st.after, dim=d)
        gathered = _create("shard.all_gather", [tensor_type(gathered_shape, elem)], [padded],
                           collective_attributes(grid, step), loc).results[0]
        bounds = st.before.boundaries(grid, d, shape[d])
        pieces = []
        for i in range(n):
            rows = bounds[i + 1] - bounds[i]
            if rows == 0:
                continue
            sizes = [rows if k == d else s for k, s in enumerate(padded_shape)]
            offsets = [i * largest if k == d else 0 for k in range(len(local))]
            pieces.append(extract_slice(gathered, offsets, sizes, tensor_type(sizes, elem), loc))
        out_type = tensor_type(st.after.spmd_shape(grid, shape), elem)
        if len(pieces) == 1:
            return pieces[0]
        axis = ir.IntegerAttr.get(ir.IntegerType.get_signless(32), d)
        return _create("tosa.concat", [out_type], pieces, {"axis": axis}, loc).results[0]

    def _uneven_slice(self, value, shape, st: Step, out_type, loc):
        grid, d = self.grid, st.dim
        assert d is not None
        b = LocalBuilder(grid, loc)
        bounds = st.after.boundaries(grid, d, shape[d])
        table_t = ir.RankedTensorType.get([len(bounds)], ir.IndexType.get())
        table_attr = ir.DenseElementsAttr.get([ir.IntegerAttr.get(ir.IndexType.get(), v) for v in bounds],
                                              type=table_t)
        table = _create("arith.constant", [table_t], [], {"value": table_attr}, loc).results[0]
        pos = b.linear_index(st.after.dim_axes(d))
        nxt = _create("arith.addi", [ir.IndexType.get()], [pos, b.index(1)], {}, loc).results[0]
        lo = _create("tensor.extract", [ir.IndexType.get()], [table, pos], {}, loc).results[0]
        hi = _create("tensor.extract", [ir.IndexType.get()], [table, nxt], {}, loc).results[0]
        size = _create("arith.subi", [ir.IndexType.get()], [hi, lo], {}, loc).results[0]
        local = list(st.before.spmd_shape(grid, shape))
        offsets = [lo if k == d else 0 for k in range(len(local))]
        sizes = [size if k == d else s for k, s in enumerate(local)]
        return extract_slice(value, offsets, sizes, out_type, loc)
