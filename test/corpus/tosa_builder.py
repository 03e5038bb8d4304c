"""A small TOSA text builder that prints functions the way the exporters do:
every `tosa.const` / `tosa.const_shape` uniqued and hoisted to the top of the
body (torch-mlir and the TFLite converter both canonicalize and CSE before
printing), SSA values numbered %0, %1, ... in print order, LLVM 22 syntax.

Shapes are computed here, so a model is written as the exporter's sequence
of ops and the builder fills in the types; the result is then parsed and
verified by the MLIR bindings (test/corpus/generate.py --check).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

F32_MAX = "3.40282347E+38"


def ttype(shape, dt: str) -> str:
    return "tensor<" + "".join(f"{s}x" for s in shape) + dt + ">"


@dataclass(frozen=True)
class V:
    name: str  # placeholder until numbering
    shape: tuple
    dt: str

    @property
    def type(self) -> str:
        return ttype(self.shape, self.dt)


def _fmt_float(x: float) -> str:
    """MLIR's float printing for the attribute values used here."""
    if x == 0:
        return "0.000000e+00"
    if math.isinf(x):
        return "0xFF800000" if x < 0 else "0x7F800000"
    return f"{x:.8e}"


def splat(x, dt: str) -> str:
    if dt.startswith("f"):
        return _fmt_float(float(x))
    return str(int(x))


def broadcast(a, b):
    assert len(a) == len(b), (a, b)
    out = []
    for x, y in zip(a, b):
        assert x == y or x == 1 or y == 1, (a, b)
        out.append(max(x, y))
    return tuple(out)


class Func:
    def __init__(self, name: str, result_attrs: str = "", func_attrs: str = ""):
        self.name = name
        # Arguments in torch.export's order: parameters, buffers, user inputs.
        self.params: list = []  # (V, attrs)
        self.buffers: list = []
        self.inputs: list = []
        self.result_attrs = result_attrs
        self.func_attrs = func_attrs
        self.consts: dict = {}  # key -> (V, text)
        self.body: list = []  # (V, text)
        self._n = 0
        self.results: list[V] = []
        self.resources: dict = {}  # name -> hex blob

    def param(self, shape, dt: str = "f32", attrs: str = "") -> V:
        v = self._new(shape, dt)
        self.params.append((v, attrs))
        return v

    def buffer(self, shape, dt: str = "f32") -> V:
        v = self._new(shape, dt)
        self.buffers.append((v, ""))
        return v

    def input(self, shape, dt: str = "f32", attrs: str = "") -> V:
        v = self._new(shape, dt)
        self.inputs.append((v, attrs))
        return v

    def _new(self, shape, dt) -> V:
        self._n += 1
        return V(f"%__{self._n}__", tuple(shape), dt)

    # -- constants ------------------------------------------------------------
    def const(self, value: str, shape, dt: str) -> V:
        """`value` is the attribute body, e.g. dense<0.0> or dense_resource<__elided__>."""
        key = ("c", value, tuple(shape), dt)
        if key not in self.consts or value.startswith("dense_resource<__elided__"):
            if key in self.consts:  # every elided weight is its own constant
                key = key + (self._n,)
            v = self._new(shape, dt)
            self.consts[key] = (v, f'"tosa.const"() <{{values = {value} : {ttype(shape, dt)}}}> : () -> {ttype(shape, dt)}')
        return self.consts[key][0]

    def splat(self, x, shape, dt: str = "f32") -> V:
        return self.const(f"dense<{splat(x, dt)}>", shape, dt)

    def weight(self, shape, dt: str = "f32") -> V:
        return self.const("dense_resource<__elided__>", shape, dt)

    def blob(self, name: str, values, shape, dt: str = "f32") -> V:
        """A named dense_resource constant with its data in the module's
        dialect_resources section (little-endian, 4-byte alignment header)."""
        import numpy as np

        np_dt = {"f32": "<f4", "i8": "i1", "i32": "<i4", "i64": "<i8", "i1": "u1"}[dt]
        data = np.asarray(values, dtype=np_dt).reshape(shape).tobytes()
        align = {"f32": 4, "i8": 1, "i32": 4, "i64": 8, "i1": 1}[dt]
        self.resources[name] = "0x" + align.to_bytes(4, "little").hex().upper() + data.hex().upper()
        return self.const(f"dense_resource<{name}>", shape, dt)

    def dense(self, values, shape, dt: str) -> V:
        import numpy as np

        def nest(a) -> str:
            if a.ndim == 0:
                return splat(a.item(), dt)
            return "[" + ", ".join(nest(x) for x in a) + "]"

        return self.const(f"dense<{nest(np.asarray(list(values)).reshape(shape))}>", shape, dt)

    def shape(self, dims) -> V:
        dims = [int(d) for d in dims]
        body = f"{dims[0]}" if len(set(dims)) == 1 and len(dims) > 1 and dims[0] == 0 else f"[{', '.join(map(str, dims))}]"
        key = ("s", tuple(dims))
        if key not in self.consts:
            v = self._new((len(dims),), "shape")
            self.consts[key] = (v, f"tosa.const_shape  {{values = dense<{body}> : tensor<{len(dims)}xindex>}} : () -> !tosa.shape<{len(dims)}>")
        return self.consts[key][0]

    def zp(self, dt: str, value=0) -> V:
        return self.splat(value, (1,), dt)

    # -- ops ------------------------------------------------------------------
    def op(self, text: str, shape, dt: str) -> V:
        v = self._new(shape, dt)
        self.body.append((v, text))
        return v

    def unary(self, name: str, x: V, attrs: str = "", dt: str | None = None) -> V:
        dt = dt or x.dt
        return self.op(f"tosa.{name} {x.name}{attrs} : ({x.type}) -> {ttype(x.shape, dt)}", x.shape, dt)

    def binary(self, name: str, a: V, b: V, dt: str | None = None, attrs: str = "") -> V:
        shape = broadcast(a.shape, b.shape)
        dt = dt or a.dt
        return self.op(f"tosa.{name} {a.name}, {b.name}{attrs} : ({a.type}, {b.type}) -> {ttype(shape, dt)}", shape, dt)

    def add(self, a, b):
        return self.binary("add", a, b)

    def sub(self, a, b):
        return self.binary("sub", a, b)

    def pow(self, a, b):
        return self.binary("pow", a, b)

    def mul(self, a: V, b: V, shift: int = 0) -> V:
        s = self.zp("i8", shift)
        shape = broadcast(a.shape, b.shape)
        return self.op(f"tosa.mul {a.name}, {b.name}, {s.name} : ({a.type}, {b.type}, {s.type}) -> {ttype(shape, a.dt)}", shape, a.dt)

    def cast(self, x: V, dt: str) -> V:
        return self.unary("cast", x, dt=dt)

    def clamp(self, x: V, lo, hi) -> V:
        if x.dt.startswith("f"):
            attrs = f" {{max_val = {hi} : {x.dt}, min_val = {splat(lo, x.dt)} : {x.dt}}}"
        else:
            attrs = f" {{max_val = {int(hi)} : {x.dt}, min_val = {int(lo)} : {x.dt}}}"
        return self.unary("clamp", x, attrs)

    def relu(self, x: V) -> V:
        return self.clamp(x, 0.0, F32_MAX)

    def select(self, c: V, a: V, b: V) -> V:
        shape = broadcast(broadcast(c.shape, a.shape), b.shape)
        return self.op(f"tosa.select {c.name}, {a.name}, {b.name} : ({c.type}, {a.type}, {b.type}) -> {ttype(shape, a.dt)}", shape, a.dt)

    def negate(self, x: V) -> V:
        z = self.zp(x.dt if x.dt.startswith("f") else x.dt)
        return self.op(f"tosa.negate {x.name}, {z.name}, {z.name} : ({x.type}, {z.type}, {z.type}) -> {x.type}", x.shape, x.dt)

    def reduce(self, name: str, x: V, axis: int) -> V:
        shape = tuple(1 if d == axis else s for d, s in enumerate(x.shape))
        return self.op(f"tosa.reduce_{name} {x.name} {{axis = {axis} : i32}} : ({x.type}) -> {ttype(shape, x.dt)}", shape, x.dt)

    def reshape(self, x: V, shape) -> V:
        shape = tuple(shape)
        assert math.prod(shape) == math.prod(x.shape), (x.shape, shape)
        s = self.shape(shape)
        return self.op(f"tosa.reshape {x.name}, {s.name} : ({x.type}, !tosa.shape<{len(shape)}>) -> {ttype(shape, x.dt)}", shape, x.dt)

    def transpose(self, x: V, perms) -> V:
        shape = tuple(x.shape[p] for p in perms)
        p = ", ".join(map(str, perms))
        return self.op(f"tosa.transpose {x.name} {{perms = array<i32: {p}>}} : ({x.type}) -> {ttype(shape, x.dt)}", shape, x.dt)

    def slice(self, x: V, start, size) -> V:
        a, b = self.shape(start), self.shape(size)
        n = len(size)
        return self.op(f"tosa.slice {x.name}, {a.name}, {b.name} : ({x.type}, !tosa.shape<{n}>, !tosa.shape<{n}>) -> {ttype(size, x.dt)}", size, x.dt)

    def concat(self, xs, axis: int) -> V:
        shape = list(xs[0].shape)
        shape[axis] = sum(x.shape[axis] for x in xs)
        names = ", ".join(x.name for x in xs)
        types = ", ".join(x.type for x in xs)
        return self.op(f"tosa.concat {names} {{axis = {axis} : i32}} : ({types}) -> {ttype(shape, xs[0].dt)}", shape, xs[0].dt)

    def pad(self, x: V, pads, value: V) -> V:
        """pads: per dimension (before, after)."""
        flat = [p for pair in pads for p in pair]
        s = self.shape(flat)
        shape = tuple(d + a + b for d, (a, b) in zip(x.shape, pads))
        return self.op(f"tosa.pad {x.name}, {s.name}, {value.name} : ({x.type}, !tosa.shape<{len(flat)}>, {value.type}) -> {ttype(shape, x.dt)}", shape, x.dt)

    def tile(self, x: V, multiples) -> V:
        s = self.shape(multiples)
        shape = tuple(d * m for d, m in zip(x.shape, multiples))
        return self.op(f"tosa.tile {x.name}, {s.name} : ({x.type}, !tosa.shape<{len(multiples)}>) -> {ttype(shape, x.dt)}", shape, x.dt)

    def gather(self, values: V, indices: V) -> V:
        shape = (values.shape[0], indices.shape[1], values.shape[2])
        return self.op(f"tosa.gather {values.name}, {indices.name} : ({values.type}, {indices.type}) -> {ttype(shape, values.dt)}", shape, values.dt)

    def matmul(self, a: V, b: V, zp_dt: str | None = None, out_dt: str | None = None, a_zp: int = 0, b_zp: int = 0) -> V:
        zp_dt = zp_dt or a.dt
        out_dt = out_dt or ("i32" if a.dt == "i8" else a.dt)
        za, zb = self.zp(zp_dt, a_zp), self.zp(zp_dt, b_zp)
        assert a.shape[0] == b.shape[0] and a.shape[2] == b.shape[1], (a.shape, b.shape)
        shape = (a.shape[0], a.shape[1], b.shape[2])
        return self.op(f"tosa.matmul {a.name}, {b.name}, {za.name}, {zb.name} : ({a.type}, {b.type}, {za.type}, {zb.type}) -> {ttype(shape, out_dt)}", shape, out_dt)

    def _conv_out(self, x, kh, kw, pad, stride, dilation):
        n, h, w, _ = x.shape
        oh = (h + pad[0] + pad[1] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
        ow = (w + pad[2] + pad[3] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
        for size, p0, p1, k, s, d in ((h, pad[0], pad[1], kh, stride[0], dilation[0]), (w, pad[2], pad[3], kw, stride[1], dilation[1])):
            assert (size + p0 + p1 - d * (k - 1) - 1) % s == 0, (x.shape, pad, stride)
        return n, oh, ow

    def conv2d(self, x: V, w: V, b: V, pad=(0, 0, 0, 0), stride=(1, 1), dilation=(1, 1), x_zp: int = 0, w_zp: int = 0) -> V:
        quant = x.dt == "i8"
        acc, zdt = ("i32", "i8") if quant else ("f32", "f32")
        zx, zw = self.zp(zdt, x_zp), self.zp(zdt, w_zp)
        n, oh, ow = self._conv_out(x, w.shape[1], w.shape[2], pad, stride, dilation)
        shape = (n, oh, ow, w.shape[0])
        attrs = (f"{{acc_type = {acc}, dilation = array<i64: {dilation[0]}, {dilation[1]}>, pad = array<i64: {', '.join(map(str, pad))}>, "
                 f"stride = array<i64: {stride[0]}, {stride[1]}>}}")
        return self.op(f"tosa.conv2d {x.name}, {w.name}, {b.name}, {zx.name}, {zw.name} {attrs} : "
                       f"({x.type}, {w.type}, {b.type}, {zx.type}, {zw.type}) -> {ttype(shape, acc)}", shape, acc)

    def max_pool2d(self, x: V, kernel, stride, pad) -> V:
        n, oh, ow = self._conv_out(x, kernel[0], kernel[1], pad, stride, (1, 1))
        shape = (n, oh, ow, x.shape[3])
        attrs = f"{{kernel = array<i64: {kernel[0]}, {kernel[1]}>, pad = array<i64: {', '.join(map(str, pad))}>, stride = array<i64: {stride[0]}, {stride[1]}>}}"
        return self.op(f"tosa.max_pool2d {x.name} {attrs} : ({x.type}) -> {ttype(shape, x.dt)}", shape, x.dt)

    def avg_pool2d(self, x: V, kernel, stride, pad, x_zp: int = 0, out_zp: int = 0) -> V:
        n, oh, ow = self._conv_out(x, kernel[0], kernel[1], pad, stride, (1, 1))
        shape = (n, oh, ow, x.shape[3])
        acc = "i32" if x.dt == "i8" else "f32"
        zi, zo = self.zp(x.dt, x_zp), self.zp(x.dt, out_zp)
        attrs = f"{{acc_type = {acc}, kernel = array<i64: {kernel[0]}, {kernel[1]}>, pad = array<i64: {', '.join(map(str, pad))}>, stride = array<i64: {stride[0]}, {stride[1]}>}}"
        return self.op(f"tosa.avg_pool2d {x.name}, {zi.name}, {zo.name} {attrs} : ({x.type}, {zi.type}, {zo.type}) -> {ttype(shape, x.dt)}", shape, x.dt)

    def rescale(self, x: V, out_dt: str, multiplier, shift, in_zp: int = 0, out_zp: int = 0,
                rounding: str = "SINGLE_ROUND", per_channel: bool = False) -> V:
        """TOSA 1.0 rescale: multiplier (i32) and shift (i8) are operands,
        one per channel when per_channel, as are the two zero points."""
        if per_channel:
            c = len(multiplier)
            m = self.dense(multiplier, (c,), "i32") if len(set(multiplier)) > 1 else self.splat(multiplier[0], (c,), "i32")
            s = self.dense(shift, (c,), "i8") if len(set(shift)) > 1 else self.splat(shift[0], (c,), "i8")
        else:
            m, s = self.splat(multiplier, (1,), "i32"), self.splat(shift, (1,), "i8")
        zi, zo = self.zp(x.dt, in_zp), self.zp(out_dt, out_zp)
        attrs = (f"{{input_unsigned = false, output_unsigned = false, per_channel = {'true' if per_channel else 'false'}, "
                 f"rounding_mode = {rounding}, scale32 = true}}")
        return self.op(f"tosa.rescale {x.name}, {m.name}, {s.name}, {zi.name}, {zo.name} {attrs} : "
                       f"({x.type}, {m.type}, {s.type}, {zi.type}, {zo.type}) -> {ttype(x.shape, out_dt)}", x.shape, out_dt)

    def table(self, x: V, table: V) -> V:
        dt = "i8" if x.dt == "i8" else "i32"
        return self.op(f"tosa.table {x.name}, {table.name} : ({x.type}, {table.type}) -> {ttype(x.shape, dt)}", x.shape, dt)

    def ret(self, *vals: V) -> None:
        self.results = list(vals)

    # -- printing -------------------------------------------------------------
    def render(self, indent: str = "  ") -> str:
        names: dict = {}
        arguments = self.params + self.buffers + self.inputs
        for i, (v, _) in enumerate(arguments):
            names[v.name] = f"%arg{i}"
        lines = list(self.consts.values()) + self.body
        for k, (v, _) in enumerate(lines):
            names[v.name] = f"%{k}"

        def sub(text: str) -> str:
            return re.sub(r"%__\d+__", lambda m: names[m.group(0)], text)

        args = ", ".join(f"{names[v.name]}: {v.type}{attrs}" for v, attrs in arguments)
        rtypes = ", ".join(r.type for r in self.results)
        if self.result_attrs:
            rsig = f"({rtypes} {self.result_attrs})"
        else:
            rsig = rtypes if len(self.results) == 1 else f"({rtypes})"
        out = [f"{indent}func.func @{self.name}({args}) -> {rsig}{self.func_attrs} {{"]
        for v, text in lines:
            out.append(f"{indent}  {names[v.name]} = {sub(text)}")
        out.append(f"{indent}  return {', '.join(sub(r.name) for r in self.results)} : {rtypes}")
        out.append(f"{indent}}}")
        return "\n".join(out)


def module_text(fn: Func, module_attrs: str = "") -> str:
    head = f"module attributes {{{module_attrs}}} {{" if module_attrs else "module {"
    text = f"{head}\n{fn.render()}\n}}\n"
    if fn.resources:
        blobs = ",\n".join(f"      {k}: \"{v}\"" for k, v in fn.resources.items())
        text += f"\n{{-#\n  dialect_resources: {{\n    builtin: {{\n{blobs}\n    }}\n  }}\n#-}}\n"
    return text
