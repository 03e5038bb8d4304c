"""What autoshard-opt prints about itself, in mlir-opt's formats:
`--list-passes`, `--show-dialects`, `--dump-pass-pipeline`, and the plan
reports as JSON (`--plan-report=FILE.json`)."""

from __future__ import annotations

import dataclasses
import json

from autoshard.ir import new_context, passmanager
from autoshard.tools.pipeline import MODULE_ANCHOR, Nest, PassSpec

# The dialect namespaces of upstream MLIR 22; `--show-dialects` prints those
# the bindings' context really has (each one is looked up).
_UPSTREAM_DIALECTS = (
    "acc", "affine", "amdgpu", "amx", "arith", "arm_neon", "arm_sme", "arm_sve", "async", "bufferization",
    "builtin", "cf", "complex", "dlti", "emitc", "func", "gpu", "index", "irdl", "linalg", "llvm", "math",
    "memref", "ml_program", "mpi", "nvgpu", "nvvm", "omp", "pdl", "pdl_interp", "ptr", "quant", "rocdl",
    "scf", "shape", "shard", "smt", "sparse_tensor", "spirv", "tensor", "tosa", "transform", "ub", "vector",
    "wasmssa", "x86vector", "xegpu", "xevm",
)
# llvm::cl's names for option value types.
_VALUE_NAMES = {"int": "int", "float": "number", "str": "string"}
_COLUMN = 52  # where mlir-opt's descriptions start


def show_dialects_text() -> str:
    ctx = new_context()
    names = []
    for name in _UPSTREAM_DIALECTS:
        try:
            ctx.get_dialect_descriptor(name)
        except (IndexError, ValueError):
            continue
        names.append(name)
    return "Available Dialects: " + ",".join(names) + "\n"


def _type_name(f: dataclasses.Field) -> str:
    return f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))


def list_passes_text(registry: dict) -> str:
    """The autoshard passes and their options, laid out as mlir-opt's
    `--list-passes` (MLIR's own passes are accepted too; `mlir-opt
    --list-passes` lists them)."""
    lines = ["Passes:"]
    for name in sorted(registry):
        cls = registry[name]
        lines.append(f"  --{name}".ljust(_COLUMN) + f"-   {cls.summary}")
        for f in sorted(cls.options(), key=cls.option_name):
            typ = _type_name(f).split(" ")[0]
            value = f"=<{_VALUE_NAMES[typ]}>" if typ in _VALUE_NAMES else ""
            lines.append(f"    --{cls.option_name(f)}{value}".ljust(_COLUMN) + f"- {f.metadata.get('help', '')}")
    return "\n".join(lines) + "\n"


def _option_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _pass_text(spec: PassSpec, registry: dict, anchor: tuple[str, ...]) -> str:
    """A pass with every option spelled out, as MLIR prints pipelines
    (options sorted by name)."""
    cls = registry.get(spec.name)
    if cls is None:
        wrapped = spec.name + (f"{{{spec.options_text}}}" if spec.options_text else "")
        for op_name in reversed(anchor):
            wrapped = f"{op_name}({wrapped})"
        try:
            printed = str(passmanager.PassManager.parse(wrapped, context=new_context()))
        except ValueError:  # nested implicitly when run (a function pass given as a flag)
            return spec.name + (f"{{{spec.options_text}}}" if spec.options_text else "")
        prefix = "".join(f"{op_name}(" for op_name in anchor)
        return printed[len(prefix): len(printed) - len(anchor)]
    built = cls.from_options(spec.options_dict())
    options = sorted((cls.option_name(f), _option_value(getattr(built, f.name))) for f in cls.options())
    return spec.name + ("{" + " ".join(f"{k}={v}" for k, v in options) + "}" if options else "")


def dump_pipeline_text(pipeline: "Nest | list[PassSpec]", registry: dict) -> str:
    """`--dump-pass-pipeline`: the pipeline, one pass per line."""
    root = pipeline if isinstance(pipeline, Nest) else Nest(MODULE_ANCHOR, tuple(pipeline))

    def pretty(node: "Nest | PassSpec", indent: int, anchor: tuple[str, ...]) -> str:
        pad = " " * indent
        if isinstance(node, PassSpec):
            return pad + _pass_text(node, registry, anchor)
        inner = anchor + (node.op_name,)
        children = ",\n".join(pretty(c, indent + 2, inner) for c in node.children)
        return f"{pad}{node.op_name}(\n{children}\n{pad})"

    return f"Pass Manager with {len(root.children)} passes:\n{pretty(root, 0, ())}\n\n"


def reports_json(reports: list[str]) -> str:
    """Every report as data: a plan report's own data, any other report as
    {"kind": "text", "text": ...}."""
    items = [getattr(r, "data", None) or {"kind": "text", "text": str(r)} for r in reports]
    return json.dumps({"reports": items}, indent=2) + "\n"
