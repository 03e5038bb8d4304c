"""The Python side of the native MLIR pass plugin (passes/, docs/plugin.md).

The plugin makes autoshard's passes runnable by a stock `mlir-opt`.  It
cannot run the bindings inside mlir-opt's own process: importing them there
registers MLIR's passes a second time in the shared libMLIR.so and LLVM
aborts ("registered multiple times").  So each mlir-opt process starts one
child, `python -m autoshard.plugin_entry --serve-fd N`, and talks to it over
a socket, one JSON object per line each way:

    {"op": "check", "pass": P, "options": {...}}            -> {"error": msg|null}
    {"op": "run", "pass": P, "options": {...}, "state": S,
     "module": text, "allow_unregistered_dialects": bool}   -> {"module": text|null,
                                                               "diagnostics": [...]}
    {"op": "release", "state": S}                           -> {}

`options` maps the command-line spellings of the options the user set to
their text; the pass's dataclass supplies the rest.  `state` names the
`PipelineState` the passes of one pipeline run on one module share (the C++
side keys it to an MLIR analysis, so it lives exactly as long as that run).
A diagnostic is {"severity", "message", "file", "line", "col", "notes"}
(file null: no location, the plugin uses the module's).

`--emit-registry FILE` writes the C++ table of passes and options the plugin
registers with MLIR (generated at build time, so a new pass or option needs
no C++ change, only a rebuild).
"""

from __future__ import annotations

import argparse
import json
import math
import socket
import sys

from autoshard.diagnostics import AutoshardError, SourceLoc
from autoshard.ir import ir, new_context
from autoshard.ir.loader import Diag, DiagnosticCollector, DiagnosticsError, mlir_error_diagnostics, verify_module
from autoshard.transforms import PASSES, PipelineState

# Python option types and the C++ kinds the registry uses for them.
_KINDS = {"bool": "Bool", "int": "Int", "float": "Float", "str": "String"}

_states: dict[int, PipelineState] = {}


def describe() -> list[dict]:
    """Every registered pass with its options: name, kind, default, help."""
    passes = []
    for name in sorted(PASSES):
        cls = PASSES[name]
        options = []
        for f in cls.options():
            typ = f.type if isinstance(f.type, str) else f.type.__name__
            if typ not in _KINDS:
                raise AutoshardError(f"option '{f.name}' of pass '{name}' has type {typ}; "
                                     f"the plugin knows {', '.join(_KINDS)}")
            options.append({"name": cls.option_name(f), "kind": _KINDS[typ],
                            "default": f.default, "help": f.metadata.get("help", "")})
        passes.append({"name": name, "summary": cls.summary, "options": options})
    return passes


def _cxx_string(text: str) -> str:
    # json's escapes (\" \\ \n \t \uXXXX) are all valid in a C++ literal
    # once non-ASCII is escaped; \u for control characters is not, so those
    # are refused rather than miscompiled.
    if any(ord(c) < 0x20 and c not in "\n\t" for c in text):
        raise AutoshardError(f"control character in pass description {text!r}")
    return json.dumps(text, ensure_ascii=True)


def _cxx_default(kind: str, value) -> str:
    if kind == "Bool":
        return "true" if value else "false"
    if kind == "Float":
        if not math.isfinite(value):
            raise AutoshardError(f"non-finite float default {value!r}")
        return repr(float(value))
    if kind == "Int":
        return f"INT64_C({int(value)})"
    return _cxx_string(value)


def registry_source() -> str:
    """The C++ initializer of passes/AutoshardPlugin.cpp's pass table."""
    lines = ["// Generated from the Python pass dataclasses by", "//   python -m autoshard.plugin_entry --emit-registry <file>",
             "// at build time; do not edit.", ""]
    for p in describe():
        lines.append(f"{{{_cxx_string(p['name'])}, {_cxx_string(p['summary'])}, {{")
        for o in p["options"]:
            kind = o["kind"]
            # One default slot per kind; the others stay zero.
            defaults = {"Bool": "false", "Int": "INT64_C(0)", "Float": "0.0", "String": '""'}
            defaults[kind] = _cxx_default(kind, o["default"])
            lines.append(f"   {{{_cxx_string(o['name'])}, OptionKind::{kind}, {_cxx_string(o['help'])}, "
                         f"{defaults['Bool']}, {defaults['Int']}, {defaults['Float']}, {defaults['String']}}},")
        lines.append("}},")
    return "\n".join(lines) + "\n"


def _diag_json(d: Diag) -> dict:
    loc = d.loc
    if loc is not None and loc.line == 0:
        # As autoshard-opt (loader.to_source_loc): MLIR's line 0 means
        # "somewhere in this file", e.g. the implicit module.
        loc = SourceLoc(loc.file, 1, 1)
    return {"severity": d.severity, "message": d.message,
            "file": loc.file if loc else None, "line": loc.line if loc else 0, "col": loc.col if loc else 0,
            "notes": [_diag_json(n) for n in d.notes]}


def check(name: str, options: dict[str, str]) -> str | None:
    """Why `name{options}` is not a valid autoshard pass, or None."""
    try:
        _make_pass(name, options)
    except AutoshardError as err:
        return err.message
    return None


def _make_pass(name: str, options: dict[str, str]):
    if name not in PASSES:
        raise AutoshardError(f"unknown pass '{name}' (known: {', '.join(sorted(PASSES))})")
    return PASSES[name].from_options(options)


def run(name: str, options: dict[str, str], text: str, state_id: int,
        allow_unregistered_dialects: bool = False) -> tuple[str | None, list[dict]]:
    """Runs pass `name` on the module `text` (printed with locations) as
    autoshard-opt runs one step: the module is re-verified afterwards, and
    an error emitted through MLIR's diagnostic engine fails the pass.
    Returns (new module text with locations, or None on failure; diagnostics)."""
    state = _states.setdefault(state_id, PipelineState())
    ctx = new_context()
    ctx.allow_unregistered_dialects = allow_unregistered_dialects  # mlir-opt's --allow-unregistered-dialect
    diags: list[Diag] = []
    failure: list[Diag] = []
    output = None
    try:
        with ctx, DiagnosticCollector(ctx, state.source_name) as collected:
            try:
                module = ir.Module.parse(text)
                _make_pass(name, options).run(module, state)
                verify_module(module, state.source_name)
                if not any(d.severity == "error" for d in collected.diagnostics):
                    output = module.operation.get_asm(enable_debug_info=True)
            finally:
                diags.extend(collected.diagnostics)
    except DiagnosticsError as err:
        failure = err.diagnostics
    except AutoshardError as err:
        failure = [Diag(err.severity, err.message, err.loc)]
    except ir.MLIRError as err:
        failure = mlir_error_diagnostics(err, state.source_name)
    except Exception as err:  # a bug in the pass: say which, without a traceback
        detail = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
        failure = [Diag("error", f"in pass '{name}': {detail}", None)]
    # Warnings a pass queues in the state are shown once, by the pass that queued them.
    diags.extend(Diag(d.severity, d.message, d.loc) for d in state.diagnostics)
    state.diagnostics.clear()
    diags.extend(failure)
    return (output if not failure else None), [_diag_json(d) for d in diags]


def handle(request: dict) -> dict:
    op = request.get("op")
    if op == "check":
        return {"error": check(request["pass"], request.get("options", {}))}
    if op == "run":
        text, diagnostics = run(request["pass"], request.get("options", {}), request["module"], request["state"],
                                request.get("allow_unregistered_dialects", False))
        return {"module": text, "diagnostics": diagnostics}
    if op == "release":
        _states.pop(request["state"], None)
        return {}
    return {"error": f"unknown request '{op}'"}


def serve(fd: int) -> int:
    """Answers requests on socket `fd` until the plugin closes it."""
    with socket.socket(fileno=fd) as sock, sock.makefile("rb") as requests, sock.makefile("wb") as replies:
        for line in requests:
            try:
                reply = handle(json.loads(line))
            except Exception as err:  # a malformed request: say so, keep serving
                reply = {"error": f"autoshard.plugin_entry cannot handle the request: {type(err).__name__}: {err}"}
            replies.write(json.dumps(reply).encode() + b"\n")
            replies.flush()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autoshard.plugin_entry", description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--serve-fd", type=int, help="serve the plugin on this socket file descriptor")
    group.add_argument("--emit-registry", metavar="FILE", help="write the C++ pass table to FILE")
    group.add_argument("--describe", action="store_true", help="print the passes and options as JSON")
    args = parser.parse_args(argv)
    if args.serve_fd is not None:
        return serve(args.serve_fd)
    if args.describe:
        print(json.dumps(describe(), indent=1))
        return 0
    source = registry_source()
    try:
        with open(args.emit_registry, encoding="utf-8") as f:
            if f.read() == source:
                return 0  # unchanged: keep the timestamp, no needless C++ rebuild
    except FileNotFoundError:
        pass
    with open(args.emit_registry, "w", encoding="utf-8") as f:
        f.write(source)
    return 0


if __name__ == "__main__":
    sys.exit(main())
