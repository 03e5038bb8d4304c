"""Booleans stored as bytes: `memref<...xi1>` becomes `memref<...xi8>`.

MLIR 22.1.8's `finalize-memref-to-llvm` aborts on any `memref.store` of an
i1 (assertion `integralElementType.getWidth() >= 8` in StoreOpLowering), and
TOSA programs are full of boolean tensors (comparisons, masks, select).  On
the bufferized module (after loops, before the LLVM conversions) this rewrite
turns every i1 buffer into an i8 buffer holding 0/1 -- numpy's layout of a
bool array, so arguments and results keep their ABI -- with an `arith.extui`
before each store and an `arith.trunci` after each load.  Everything else on
buffers (copy, subview, casts, calls) only moves bytes.

It works on the printed module, line by line: loads, stores and
`memref.global` initializers are the only places where the element type
matters.
"""

from __future__ import annotations

import re

_I1_MEMREF = re.compile(r"memref<((?:[0-9?]+x)*)i1([,>])")
_LOC = r"(\s+loc\(.*\))?"
_LOAD = re.compile(r"^(\s*)(%[^\s=]+) = memref\.load (.*) : (memref<.*?)" + _LOC + r"$")
_STORE = re.compile(r"^(\s*)memref\.store (%[^\s,]+), (.*) : (memref<.*?)" + _LOC + r"$")
_GLOBAL = re.compile(r"^(\s*memref\.global .*: )(memref<.*?) = dense<(.*?)>(.*)$")


def _is_i1(memref_type: str) -> bool:
    return _I1_MEMREF.match(memref_type) is not None


def widen_booleans(text: str) -> str:
    out = []
    fresh = 0
    for line in text.split("\n"):
        m = _LOAD.match(line)
        if m and _is_i1(m[4]):
            indent, name, access, typ, loc = m[1], m[2], m[3], m[4], m[5] or ""
            fresh += 1
            byte = f"%autoshard_byte{fresh}"
            out.append(f"{indent}{byte} = memref.load {access} : {typ}{loc}")
            out.append(f"{indent}{name} = arith.trunci {byte} : i8 to i1{loc}")
            continue
        m = _STORE.match(line)
        if m and _is_i1(m[4]):
            indent, value, access, typ, loc = m[1], m[2], m[3], m[4], m[5] or ""
            fresh += 1
            byte = f"%autoshard_byte{fresh}"
            out.append(f"{indent}{byte} = arith.extui {value} : i1 to i8{loc}")
            out.append(f"{indent}memref.store {byte}, {access} : {typ}{loc}")
            continue
        m = _GLOBAL.match(line)
        if m and _is_i1(m[2]):
            values = re.sub(r"\btrue\b", "1", re.sub(r"\bfalse\b", "0", m[3]))
            line = f"{m[1]}{m[2]} = dense<{values}>{m[4]}"
        out.append(line)
    return _I1_MEMREF.sub(r"memref<\1i8\2", "\n".join(out))
