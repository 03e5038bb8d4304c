"""The ops MLIR gives the `ConstantLike` trait, among those autoshard reads:
upstream's shard-partition does not require them to be annotated (the
Python bindings cannot query traits, so they are named here)."""

CONSTANT_LIKE = frozenset({"arith.constant", "tosa.const", "tosa.const_shape"})
