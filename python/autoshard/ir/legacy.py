"""Upgrade of pre-LLVM-21 `mesh` dialect text (and the old 2-operand
`tosa.matmul`) to LLVM 22 `shard` + TOSA text, keeping line numbers and the
start column of every op, so diagnostics point into the user's file.

What is rewritten:
- `mesh.mesh @m(shape = 4x8)`                  -> `shard.grid @m(shape = 4x8)`
- `mesh.shard %x to <@m, [[0], [1]], partial = sum[1]> [annotate_for_users] : T`
      -> `shard.shard %x to %__as_shardingN [annotate_for_users] : T`, with
         `%__as_shardingN = shard.sharding @m split_axes = [[0], [1]]
          {autoshard.partial_axes = array<i16: 1>, autoshard.partial_kind = "sum"}`
         hoisted to the end of the enclosing `func.func` line (the partial
         axes, which LLVM 22 cannot express, become autoshard's attributes);
- other `mesh.` ops, `!mesh.sharding`, `mesh_axes`, `mesh_shape` -> their shard names;
- `tosa.matmul %a, %b : (A, B) -> C` -> the 4-operand form with zero-point
  constants hoisted likewise.
Text that is already LLVM 22 passes through unchanged.
"""

from __future__ import annotations

import re

_MESH_OP = re.compile(r"\bmesh\.mesh(\s+@)")
_INLINE_SHARD = re.compile(r"\bmesh\.shard(\s+%[\w.$-]+\s+to\s+)<(?P<body>[^<>]*)>")
_INLINE_BODY = re.compile(
    r"\s*@(?P<grid>[\w.$-]+)\s*,\s*(?P<split>\[(?:[^\[\]]|\[[^\[\]]*\])*\])"
    r"(?:\s*,\s*partial\s*=\s*(?P<kind>\w+)\s*\[(?P<axes>[\d,\s]*)\])?\s*"
)
_PARTIAL_IN_SHARDING_OP = re.compile(r"\s*partial\s*=\s*(?P<kind>\w+)\s*\[(?P<axes>[\d,\s]*)\]")
_MATMUL2 = re.compile(
    r"\btosa\.matmul(?P<ops>\s+%[\w.$#-]+\s*,\s*%[\w.$#-]+)\s*:\s*"
    r"\((?P<a>tensor<[^>]*>)\s*,\s*(?P<b>tensor<[^>]*>)\)\s*->"
)
_FUNC_OPEN = re.compile(r"^\s*func\.func\b.*\{\s*$")
_RENAMES = (
    (re.compile(r"!mesh\.sharding\b"), "!shard.sharding"),
    (re.compile(r"\bmesh\.(?=[a-z_]+\b)"), "shard."),
    (re.compile(r"\bmesh_axes\b"), "grid_axes"),
    (re.compile(r"\bmesh_shape\b"), "grid_shape"),
)


def _partial_attrs(kind: str | None, axes: str | None) -> str:
    if not kind:
        return ""
    assert axes is not None  # a partial kind always comes with its axes
    axis_list = ", ".join(a.strip() for a in axes.split(",") if a.strip())
    return f' {{autoshard.partial_axes = array<i16: {axis_list}>, autoshard.partial_kind = "{kind}"}}'


def _zero_point_const(elem: str, name: str) -> str:
    zero = "0.0" if elem.startswith(("f", "bf")) else "0"
    return f'{name} = "tosa.const"() <{{values = dense<{zero}> : tensor<1x{elem}>}}> : () -> tensor<1x{elem}>'


def _loc_suffix(source_name: str | None, line: int, col: int) -> str:
    """` loc("file":L:C)` for a hoisted op, so that verifier errors point at
    the sharding the user wrote, not at the func line it was moved to."""
    if source_name is None:
        return ""
    escaped = source_name.replace("\\", "\\\\").replace('"', '\\"')
    return f' loc("{escaped}":{line}:{col})'


def upgrade_legacy_text(text: str, source_name: str | None = None) -> str:
    """`text` in LLVM 22 syntax.  With `source_name`, hoisted ops carry the
    location (in that file) of the text they replace."""
    if "mesh." not in text and "tosa.matmul" not in text:
        return text
    lines = text.split("\n")
    hoisted: dict[int, list[str]] = {}
    func_line = None
    counter = 0
    for i, line in enumerate(lines):
        if line.lstrip().startswith("//"):
            continue
        if _FUNC_OPEN.match(line):
            func_line = i
        line = _MESH_OP.sub(r"shard.grid\1", line)

        def inline_shard(m):
            nonlocal counter
            body = _INLINE_BODY.fullmatch(m["body"])
            if body is None or func_line is None:
                return m.group(0)  # leave it: the parser reports the error at this spot
            name = f"%__as_sharding{counter}"
            counter += 1
            hoisted.setdefault(func_line, []).append(
                f"{name} = shard.sharding @{body['grid']} split_axes = {body['split']}"
                f"{_partial_attrs(body['kind'], body['axes'])} : !shard.sharding"
                f"{_loc_suffix(source_name, i + 1, m.start('body'))}"
            )
            return f"shard.shard{m.group(1)}{name}"

        line = _INLINE_SHARD.sub(inline_shard, line)
        if "sharding" in line and "partial" in line:
            pm = _PARTIAL_IN_SHARDING_OP.search(line)
            if pm and ": !" in line:
                line = line[: pm.start()] + _partial_attrs(pm["kind"], pm["axes"]) + line[pm.end():]

        def matmul2(m):
            nonlocal counter
            if func_line is None:
                return m.group(0)
            elem = m["a"][len("tensor<"):-1].split("x")[-1]
            zp = f"%__as_zp{counter}"
            counter += 1
            hoisted.setdefault(func_line, []).append(_zero_point_const(elem, zp))
            ztype = f"tensor<1x{elem}>"
            return f"tosa.matmul{m['ops']}, {zp}, {zp} : ({m['a']}, {m['b']}, {ztype}, {ztype}) ->"

        line = _MATMUL2.sub(matmul2, line)
        for pattern, repl in _RENAMES:
            line = pattern.sub(repl, line)
        lines[i] = line
    for i, defs in hoisted.items():
        lines[i] = lines[i] + " " + " ".join(defs)
    return "\n".join(lines)
