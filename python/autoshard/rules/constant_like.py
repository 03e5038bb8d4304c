"""The ops MLIR gives the `ConstantLike` trait, among those autoshard reads:
upstream's shard-partition does not require them to be annotated (the
Python bindings cannot query traits, so they are named here)."""

from autoshard.ir import ir

CONSTANT_LIKE = frozenset({"arith.constant", "tosa.const", "tosa.const_shape"})


def is_splat_constant(op_node) -> bool:
    """A `tosa.const` whose value is one repeated element."""
    if op_node.name != "tosa.const":
        return False
    try:
        return ir.DenseElementsAttr(op_node.op.attributes["values"]).is_splat
    except (ValueError, TypeError, KeyError):
        return False  # dense_resource and other non-dense values


def splat_is_local(grid, layout, shape) -> bool:
    """Whether autoshard-partition writes a splat constant of this layout in
    its local shape (every device's block is the same splat): an even split
    without partial axes or halos."""
    return not (layout.partial_axes or layout.has_halos or layout.uneven_dims(grid, shape))


def whole_constant_bytes(op_node, grid, layout) -> int:
    """Bytes a device holds of a `tosa.const` that autoshard-partition
    materialises whole before slicing it to `layout`: a dense one (its
    blocks differ per device and the program is one for all devices), or a
    splat it cannot write locally; 0 otherwise."""
    if op_node.name != "tosa.const":
        return 0
    t = op_node.info.results[0] if op_node.info.results else None
    if t is None or (is_splat_constant(op_node) and splat_is_local(grid, layout, t.shape)):
        return 0
    return t.nbytes
