"""Grammar-aware mutations of MLIR text (TOSA + shard dialect).

Each mutator takes the text and a `random.Random` and returns new text; the
mutations aim at what the tools must reject cleanly rather than at random
bytes: boundary integers in shapes and attributes, element types the
simulator cannot hold, shardings that split outside their grid, offsets
and halos, partial kinds, grid shapes, legacy `mesh` syntax, and also
token- and byte-level damage that keeps most of the syntax.
"""

from __future__ import annotations

import random
import re

BOUNDARY_INTS = ["0", "1", "2", "3", "7", "-1", "-2", "65536", "2147483647", "2147483648",
                 "4294967296", "9223372036854775807", "9223372036854775808", "18446744073709551616"]
DIMS = ["0", "1", "3", "7", "?", "65536", "2147483648", "4294967296", "1099511627776"]
ELEMENT_TYPES = ["f32", "f16", "bf16", "f64", "i1", "i4", "i8", "i16", "i32", "i48", "i64", "ui8",
                 "index", "f8E4M3FN", "f8E5M2", "complex<f32>", "f4E2M1FN"]
PARTIAL_KINDS = ["sum", "max", "min", "product", "mean", "generic", ""]

_TENSOR = re.compile(r"tensor<([^<>]*)>")
_INT = re.compile(r"(?<![\w.#%@])-?\d+(?![\w.])")
_SPLIT_AXES = re.compile(r"split_axes\s*=\s*\[((?:[^\[\]]|\[[^\[\]]*\])*)\]")
_SHARDING_OP = re.compile(r"(shard\.sharding\s+@[\w.$-]+\s+split_axes\s*=\s*\[(?:[^\[\]]|\[[^\[\]]*\])*\])")
_GRID_SHAPE = re.compile(r"(shard\.grid\s+@[\w.$-]+\s*\(\s*shape\s*=\s*)([^)]*)\)")
_MESH_SHARD = re.compile(r"<@([\w.$-]+)\s*,\s*(\[(?:[^\[\]]|\[[^\[\]]*\])*\])")
_PARTIAL_KIND = re.compile(r'(autoshard\.partial_kind\s*=\s*")(\w*)(")|(partial\s*=\s*)(\w+)')
_ELEMENT = re.compile(r"(?<=x)(f16|bf16|f32|f64|i1|i8|i16|i32|i64)(?=>)")
_SSA_USE = re.compile(r"%[\w.$-]+")


def _sub_one(pattern: re.Pattern, text: str, rng: random.Random, replace) -> str:
    matches = list(pattern.finditer(text))
    if not matches:
        return text
    m = rng.choice(matches)
    return text[: m.start()] + replace(m) + text[m.end():]


def boundary_integer(text, rng):
    return _sub_one(_INT, text, rng, lambda m: rng.choice(BOUNDARY_INTS))


def tensor_dim(text, rng):
    def new_dims(m):
        parts = m.group(1).split("x")
        if len(parts) < 2:
            return m.group(0)
        i = rng.randrange(len(parts) - 1)
        parts[i] = rng.choice(DIMS)
        return f"tensor<{'x'.join(parts)}>"
    return _sub_one(_TENSOR, text, rng, new_dims)


def tensor_rank(text, rng):
    """Drop or add a dimension, or make the tensor rank 0."""
    def new_rank(m):
        parts = m.group(1).split("x")
        dims, elem = parts[:-1], parts[-1]
        choice = rng.randrange(3)
        if choice == 0:
            dims = []
        elif choice == 1 and dims:
            dims.pop(rng.randrange(len(dims)))
        else:
            dims.insert(rng.randrange(len(dims) + 1), rng.choice(["1", "2", "8"]))
        return f"tensor<{'x'.join(dims + [elem])}>"
    return _sub_one(_TENSOR, text, rng, new_rank)


def element_type(text, rng):
    """Change every occurrence of one element type (keeps the IR consistent)."""
    found = sorted(set(_ELEMENT.findall(text)))
    if not found:
        return text
    old, new = rng.choice(found), rng.choice(ELEMENT_TYPES)
    return re.sub(rf"(?<=x){re.escape(old)}(?=>)", new, text)


def split_axes(text, rng):
    """Axes outside the grid, duplicated, negative or empty groups."""
    def new_axes(m):
        groups = rng.choice(["[0]", "[1]", "[2]", "[7]", "[-1]", "[0, 0]", "[0], [0]", "[0, 1]", "[1, 0]",
                             "[], [2]", "[0], [1], [2]", "", "[9223372036854775807]"])
        return f"split_axes = [{groups}]"
    return _sub_one(_SPLIT_AXES, text, rng, new_axes)


def offsets_or_halos(text, rng):
    """`sharded_dims_offsets` / `halo_sizes` after a sharding's split axes
    (LLVM's verifiers assert on some of these)."""
    def add(m):
        what = rng.choice(["sharded_dims_offsets", "halo_sizes"])
        values = ", ".join(rng.choice(["0", "1", "2", "4", "8", "-1", "16"]) for _ in range(rng.randint(1, 6)))
        return f"{m.group(1)} {what} = [{values}]"
    return _sub_one(_SHARDING_OP, text, rng, add)


def grid_shape(text, rng):
    shapes = ["0", "1", "2x4", "4x8", "8", "0x4", "?x4", "2x?", "[]", "4294967296x4294967296",
              "65536x65536x65536", "1x1x1x1x1", "3", "9223372036854775807"]
    return _sub_one(_GRID_SHAPE, text, rng, lambda m: f"{m.group(1)}{rng.choice(shapes)})")


def partial_kind(text, rng):
    """Change a partial kind, or add partial axes to a sharding."""
    if _PARTIAL_KIND.search(text) and rng.random() < 0.6:
        def kind(m):
            new = rng.choice(PARTIAL_KINDS)
            if m.group(1) is not None:
                return f"{m.group(1)}{new}{m.group(3)}"
            return f"{m.group(4)}{new or 'sum'}"
        return _sub_one(_PARTIAL_KIND, text, rng, kind)

    def add(m):
        axes = rng.choice(["0", "1", "0, 1", "5", "-1"])
        kind_text = rng.choice(PARTIAL_KINDS)
        return (f'{m.group(1)} {{autoshard.partial_axes = array<i16: {axes}>, '
                f'autoshard.partial_kind = "{kind_text}"}}')
    mutated = _sub_one(_SHARDING_OP, text, rng, add)
    if mutated != text:
        return mutated

    def legacy(m):
        return f"<@{m.group(1)}, {m.group(2)}, partial = {rng.choice(PARTIAL_KINDS[:4])}[{rng.choice(['0', '1', '0, 1'])}]"
    return _sub_one(_MESH_SHARD, text, rng, legacy)


def legacy_mesh(text, rng):
    """Rewrite the shard dialect into the older `mesh` spelling (partly)."""
    text = text.replace("shard.grid", "mesh.mesh")
    if rng.random() < 0.5:
        text = text.replace("!shard.sharding", "!mesh.sharding").replace("shard.", "mesh.")
    return text


def annotate_value(text, rng):
    """Insert a `shard.shard` annotation of a random tensor value."""
    lines = text.split("\n")
    candidates = [i for i, line in enumerate(lines) if re.match(r"\s*%[\w.]+\s*=\s*tosa\.\w+", line) and "-> tensor<" in line]
    if not candidates:
        return text
    i = rng.choice(candidates)
    name = lines[i].split("=")[0].strip()
    rtype = lines[i].rsplit("->", 1)[1].strip()
    if not rtype.startswith("tensor<"):
        return text
    grid = "@fuzz_grid"
    axes = rng.choice(["[[0]]", "[[1]]", "[[], [0]]", "[[0, 1]]", "[[2]]", "[[0], [1]]"])
    extra = rng.choice(["", "", " annotate_for_users"])
    indent = re.match(r"\s*", lines[i]).group(0)
    new = [f"{indent}%fz_s{i} = shard.sharding {grid} split_axes = {axes} : !shard.sharding",
           f"{indent}%fz_a{i} = shard.shard {name} to %fz_s{i}{extra} : {rtype}"]
    lines[i + 1:i + 1] = new
    text = "\n".join(lines)
    if "shard.grid @fuzz_grid" not in text:
        shape = rng.choice(["2x4", "2", "4x2", "8"])
        text = re.sub(r"(^|\n)(\s*func\.func)", rf"\1shard.grid @fuzz_grid(shape = {shape})\n\2", text, count=1)
    return text


def delete_line(text, rng):
    lines = text.split("\n")
    code = [i for i, line in enumerate(lines) if line.strip() and not line.strip().startswith("//")]
    if not code:
        return text
    del lines[rng.choice(code)]
    return "\n".join(lines)


def duplicate_line(text, rng):
    lines = text.split("\n")
    code = [i for i, line in enumerate(lines) if line.strip() and not line.strip().startswith("//")]
    if not code:
        return text
    i = rng.choice(code)
    lines.insert(i, lines[i])
    return "\n".join(lines)


def swap_operands(text, rng):
    """Use another SSA value in place of one operand."""
    uses = list(_SSA_USE.finditer(text))
    if len(uses) < 2:
        return text
    a, b = rng.sample(uses, 2)
    return text[: a.start()] + b.group(0) + text[a.end():]


def token_damage(text, rng):
    """Delete or duplicate a punctuation token."""
    spots = [m.start() for m in re.finditer(r"[(){}\[\]<>,:=]", text)]
    if not spots:
        return text
    at = rng.choice(spots)
    if rng.random() < 0.5:
        return text[:at] + text[at + 1:]
    return text[:at] + text[at] + text[at:]


def byte_flip(text, rng):
    data = bytearray(text.encode())
    for _ in range(rng.randint(1, 3)):
        if data:
            data[rng.randrange(len(data))] = rng.randrange(256)
    return data.decode("utf-8", errors="replace")


def truncate(text, rng):
    return text[: rng.randrange(len(text) + 1)] if text else text


# Weights: the structure-keeping mutations most, raw damage least.
MUTATORS = [
    (boundary_integer, 3), (tensor_dim, 3), (tensor_rank, 2), (element_type, 3), (split_axes, 3),
    (offsets_or_halos, 2), (grid_shape, 2), (partial_kind, 3), (legacy_mesh, 1), (annotate_value, 3),
    (delete_line, 1), (duplicate_line, 1), (swap_operands, 1), (token_damage, 1), (byte_flip, 1), (truncate, 1),
]


def mutate(text: str, rng: random.Random) -> tuple[str, list[str]]:
    """0 to 3 mutations of `text`; returns the new text and their names."""
    functions, weights = zip(*MUTATORS)
    names = []
    # Some seeds go through unchanged or nearly: the deep pipelines must see
    # valid programs too, not only parse errors.
    for _ in range(rng.choice([0, 1, 1, 1, 2, 3])):
        fn = rng.choices(functions, weights)[0]
        text = fn(text, rng)
        names.append(fn.__name__)
    return text, names
