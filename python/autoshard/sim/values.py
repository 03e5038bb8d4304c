"""Runtime values of the simulator and their link to MLIR types.

A value is one of:
  * a numpy array with the exact element dtype of its tensor type
    (f32 -> float32, f64, f16, i1 -> bool, i8/i16/i32/i64, ui* -> uint*);
    bf16 has no numpy dtype, so it is held as float32 rounded to bf16
    precision after every op (values stay bf16-representable);
  * a tuple of ints for `!tosa.shape<N>`;
  * a Python int for `index`;
  * None for `!shard.sharding` (layout metadata, no runtime content).

Arithmetic is done wide (float64 / int64) and every op result is rounded to
its declared type by `coerce`, so a sharded and an unsharded program round at
the same op boundaries and differ only by the order of reductions.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

from autoshard.diagnostics import AutoshardError
from autoshard.ir import ir


class SimError(AutoshardError):
    """An op or a value the simulator cannot execute, located at the op."""

    def __init__(self, message: str, location=None):
        super().__init__(message, location)
        # Keep the MLIR Location itself too: `loc` only holds file:line:col.
        self.location = location

    def __str__(self) -> str:
        if self.loc is not None:
            return f"{self.loc}: {self.message}"
        if self.location is not None:
            return f"{self.location}: {self.message}"
        return self.message


def is_shape_type(t: ir.Type) -> bool:
    return str(t).startswith("!tosa.shape")


def is_sharding_type(t: ir.Type) -> bool:
    return str(t) == "!shard.sharding"


def np_dtype(elem: ir.Type, loc=None) -> np.dtype:
    """The numpy dtype that holds elements of MLIR type `elem`."""
    if isinstance(elem, ir.F32Type) or isinstance(elem, ir.BF16Type):
        return np.dtype(np.float32)
    if isinstance(elem, ir.F64Type):
        return np.dtype(np.float64)
    if isinstance(elem, ir.F16Type):
        return np.dtype(np.float16)
    if isinstance(elem, ir.IndexType):
        return np.dtype(np.int64)
    if isinstance(elem, ir.IntegerType):
        w = elem.width
        if w == 1:
            return np.dtype(np.bool_)
        if w in (8, 16, 32, 64):
            return np.dtype(f"{'u' if elem.is_unsigned else ''}int{w}")
        if w == 48:  # TOSA's i48 accumulator: int64 holds it exactly.
            return np.dtype(np.int64)
    raise SimError(f"cannot simulate element type '{elem}'", loc)


def tensor_shape(t: ir.RankedTensorType) -> tuple:
    """Static dims as ints, dynamic dims as None."""
    dyn = ir.ShapedType.get_dynamic_size()
    return tuple(None if d == dyn else d for d in t.shape)


def fits(arr: np.ndarray, t: ir.RankedTensorType) -> bool:
    """Does the array's shape match the tensor type (dynamic dims match anything)?"""
    want = tensor_shape(t)
    return arr.ndim == len(want) and all(w is None or w == d for w, d in zip(want, arr.shape))


def round_bf16(x: np.ndarray) -> np.ndarray:
    """Round float32 values to the nearest bf16 (ties to even), kept as float32."""
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    nan = np.isnan(x)
    rounded = (bits + np.uint32(0x7FFF) + ((bits >> np.uint32(16)) & np.uint32(1))) & np.uint32(0xFFFF0000)
    out = rounded.view(np.float32)
    return np.where(nan, np.float32(np.nan), out)


def coerce(value, t: ir.Type, what: str, loc=None, wide_floats: bool = False):
    """Round/convert an op's raw result to its declared type `t`, checking
    the static shape (a mismatch means a wrong handler or a bad program).
    With `wide_floats`, floating-point results are kept in float64 instead
    of being rounded to their type: exact arithmetic, for comparing two
    programs that sum the same terms in different orders."""
    if isinstance(t, ir.RankedTensorType):
        elem = t.element_type
        dtype = np_dtype(elem, loc)
        arr = np.asarray(value)
        if wide_floats and dtype.kind == "f":
            if not fits(arr, t):
                raise SimError(f"{what}: computed shape {list(arr.shape)} does not match the type {t}", loc)
            return arr.astype(np.float64, copy=False)
        if not fits(arr, t):
            raise SimError(f"{what}: computed shape {list(arr.shape)} does not match the type {t}", loc)
        if arr.dtype != dtype:
            if dtype.kind in "iu" and arr.dtype.kind == "f":
                raise SimError(f"{what}: float result for integer type {t} (needs an explicit rounding)", loc)
            arr = arr.astype(dtype)
        if isinstance(elem, ir.BF16Type):
            arr = round_bf16(arr)
        return arr
    if isinstance(t, ir.IndexType) or isinstance(t, ir.IntegerType):
        return int(value)
    if isinstance(t, (ir.F32Type, ir.F64Type, ir.F16Type)):
        return float(value)
    if is_shape_type(t):
        return tuple(int(v) for v in value)
    if is_sharding_type(t):
        return None
    raise SimError(f"{what}: cannot simulate values of type {t}", loc)


def check_input(value, t: ir.Type, what: str, loc=None, wide_floats: bool = False):
    """An argument given by the caller, converted to the exact dtype of `t`.

    The dtype kind must match (float for float, int for int, bool for i1):
    a float64 array for an f32 argument is accepted and rounded, an int array
    for an f32 argument is a caller mistake and is refused.
    """
    if isinstance(t, ir.RankedTensorType):
        arr = np.asarray(value)
        dtype = np_dtype(t.element_type, loc)
        kinds = {"f": "f", "i": "iu", "u": "iu", "b": "b"}
        if arr.dtype.kind not in kinds[dtype.kind]:
            raise SimError(f"{what}: got a {arr.dtype} array for type {t}", loc)
        if not fits(arr, t):
            raise SimError(f"{what}: got shape {list(arr.shape)} for type {t}", loc)
        if wide_floats and dtype.kind == "f":
            return arr.astype(np.float64, copy=False)
        # No copy when the dtype is already right: handlers never write into
        # their operands, and a copy of every device's inputs doubles memory.
        arr = arr.astype(dtype, copy=False)
        if isinstance(t.element_type, ir.BF16Type):
            arr = round_bf16(arr)
        return arr
    return coerce(value, t, what, loc)


# --- constants -------------------------------------------------------------


def _bf16_dense(attr, shape) -> np.ndarray:
    """bf16 DenseFPElementsAttr -> float32: the bindings cannot read bf16
    buffers, so go through the printed form (decimal list or hex blob)."""
    text = str(attr)
    body = text[text.index("<") + 1 : text.rindex(">", 0, text.index(" : "))]
    if body.startswith('"0x'):
        raw = bytes.fromhex(body[3:-1])
        bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << np.uint32(16)
        vals = bits.view(np.float32)
    else:
        cleaned = body.replace("[", " ").replace("]", " ").replace(",", " ")
        vals = np.array([float(v) for v in cleaned.split()], dtype=np.float32)
    return np.broadcast_to(vals, shape).copy() if vals.size == 1 else vals.reshape(shape)


def stable_seed(*parts) -> int:
    """A seed that is the same in every process (unlike `hash()`)."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "little")


def random_array(shape, dtype: np.dtype, rng: np.random.Generator, float_scale: float = 1.0) -> np.ndarray:
    """Floats ~ uniform(-scale, scale), ints in [-4, 4] (or [0, 8] unsigned),
    bools fair coin flips."""
    if dtype.kind == "f":
        return (rng.uniform(-1.0, 1.0, size=shape) * float_scale).astype(dtype)
    if dtype.kind == "b":
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    if dtype.kind == "u":
        return rng.integers(0, 9, size=shape).astype(dtype)
    return rng.integers(-4, 5, size=shape).astype(dtype)


_BLOB_LINE = re.compile(r'^\s*("?)([^\s:"]+)\1\s*:\s*"0x([0-9A-Fa-f]*)"', re.M)


def resource_blobs(module_asm: str) -> dict:
    """name -> raw bytes of the `dialect_resources` blobs of a printed module
    (the bindings give no access to blob data, the printed form has it)."""
    start = module_asm.rfind("{-#")
    if start < 0:
        return {}
    # A blob is hex: a 4-byte little-endian alignment, then the elements.
    return {m[2]: bytes.fromhex(m[3])[4:] for m in _BLOB_LINE.finditer(module_asm, start)}


def _blob_array(raw: bytes, shape, elem, dtype, what, loc) -> np.ndarray:
    count = int(np.prod(shape))
    if isinstance(elem, ir.BF16Type):
        src: np.dtype = np.dtype("<u2")
    elif dtype.kind == "b":
        src = np.dtype(np.uint8)  # one byte per i1
    else:
        src = dtype.newbyteorder("<")
    if len(raw) != count * src.itemsize:
        raise SimError(f"{what}: blob has {len(raw)} bytes, {count} x {src.itemsize} expected", loc)
    arr = np.frombuffer(raw, dtype=src).reshape(shape)
    if isinstance(elem, ir.BF16Type):
        return (arr.astype(np.uint32) << np.uint32(16)).view(np.float32)
    return arr.astype(dtype)


def fill_key(attr) -> str | None:
    """What the pseudo-random fill of a `dense_resource` constant is seeded
    by (None for other attributes): its printed form, type included, with
    `__elided__` keys unnumbered -- MLIR renames clashing resource keys when
    a module is printed and parsed again (__elided__ -> __elided___1), so the
    same constant must not depend on the suffix."""
    text = str(attr)
    if not text.startswith("dense_resource<"):
        return None
    name = text[len("dense_resource<") : text.index(">")]
    if re.fullmatch(r"__elided__(_\d+)?", name):
        text = text.replace(name, "__elided__", 1)
    return text


def elements_attr_value(attr, t: ir.Type, loc=None, blobs=None) -> np.ndarray:
    """The array held by a `values`/`value` elements attribute of type `t`.

    `dense_resource<name>` reads the blob `blobs.get(name)` (bytes, see
    `resource_blobs`) when the module carries it. Without data (`__elided__`, or no blob) the
    constant becomes pseudo-random data seeded from `fill_key` (type and
    printed attribute): the same op gives the same values in every run and
    process, and in the module before and after partitioning.  When
    `blobs.fill_domains` (a dict fill key -> `domains.Domain`) names the
    constant, its values are drawn from that domain (indices in range, valid
    rescale shifts...). Otherwise floats are scaled by 1/sqrt(fan_in),
    fan_in = product of all dims but the first (OHWI conv / [out, in]
    weights), to keep activations of deep models O(1).
    """
    if not isinstance(t, ir.RankedTensorType) or not t.has_static_shape:
        raise SimError(f"cannot simulate a constant of type {t}", loc)
    shape = tuple(t.shape)
    elem = t.element_type
    dtype = np_dtype(elem, loc)
    if isinstance(attr, (ir.DenseIntElementsAttr, ir.DenseFPElementsAttr)):
        if isinstance(elem, ir.BF16Type):
            return _bf16_dense(attr, shape)
        arr = np.array(attr)
        if arr.size == 1 and int(np.prod(shape)) != 1:
            arr = np.broadcast_to(arr.reshape(()), shape)
        return np.array(arr, dtype=dtype).reshape(shape)
    key = fill_key(attr)
    if key is not None:
        name = key[len("dense_resource<") : key.index(">")]
        raw = blobs.get(name) if blobs is not None and name != "__elided__" else None
        if raw is not None:
            return _blob_array(raw, shape, elem, dtype, f"resource '{name}'", loc)
        rng = np.random.default_rng(stable_seed(shape, dtype, key))
        domain = (getattr(blobs, "fill_domains", None) or {}).get(key)
        if domain is not None:
            arr = domain.draw(shape, dtype, rng, loc)
        else:
            fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
            arr = random_array(shape, dtype, rng, float_scale=1.0 / np.sqrt(max(fan_in, 1)))
        return round_bf16(arr) if isinstance(elem, ir.BF16Type) else arr
    raise SimError(f"cannot simulate constant attribute {str(attr)[:80]}", loc)


# --- random inputs -----------------------------------------------------------


def random_inputs(func_type_or_arg_types, seed: int) -> list:
    """Deterministic random arguments for a function.

    Accepts an `ir.FunctionType`, a `func.FuncOp`, or a list of argument
    types. Argument i is drawn from its own stream seeded by (seed, i), so
    the values of one argument do not depend on the others.
    """
    x = func_type_or_arg_types
    if hasattr(x, "type") and isinstance(getattr(x, "type"), ir.FunctionType):  # FuncOp
        x = x.type
    if isinstance(x, ir.TypeAttr):
        x = x.value
    types = list(x.inputs) if isinstance(x, ir.FunctionType) else list(x)
    out: list = []
    for i, t in enumerate(types):
        rng = np.random.default_rng([seed, i])
        if isinstance(t, ir.RankedTensorType):
            if not t.has_static_shape:
                raise SimError(f"random_inputs: argument {i} has a dynamic shape ({t})")
            out.append(random_array(tuple(t.shape), np_dtype(t.element_type), rng))
        elif isinstance(t, (ir.IndexType, ir.IntegerType)):
            out.append(int(rng.integers(0, 5)))
        elif isinstance(t, (ir.F32Type, ir.F64Type, ir.F16Type)):
            out.append(float(rng.uniform(-1.0, 1.0)))
        else:
            raise SimError(f"random_inputs: cannot make a value of type {t} (argument {i})")
    return out
