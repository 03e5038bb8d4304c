"""Parsing and printing modules with locations in the user's own file.

`load_module` turns MLIR text into a verified `ir.Module` whose operation
locations name the real input file at the original line/column, also for a
chunk cut out of a larger file by `--split-input-file`.  Parse and verifier
failures become a `ParseError` (an `AutoshardError`) carrying every MLIR
diagnostic, notes included, so the driver can print them like mlir-opt.

How the locations come out right: `ir.Operation.parse` accepts a source
name (`ir.Module.parse` does not, it always says "-"), and a chunk is padded
with the newlines and spaces that preceded it in the original file, so the
parser itself produces original line/column numbers.  `Operation.parse`
wants exactly one top-level op; mlir-opt wraps anything else in an implicit
`builtin.module`, which we reproduce by parsing the text with `module {`
prepended to a blank/comment line before the first line of code (nothing
there carries a location, so no position shifts).  Only when the code starts
on the very first line is there no such line; then we fall back to
`ir.Module.parse` and rename its "-" buffer in every op and block-argument
location afterwards (its diagnostics are renamed by `to_source_loc`).
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass, field

from autoshard.diagnostics import AutoshardError, SourceLoc, source_loc
from autoshard.ir.abort_guard import locate_abort, parse_survives
from autoshard.ir import ir


# Name the bindings give to the buffer of `ir.Module.parse`.
_ANONYMOUS_BUFFER = "-"
_COUNT_MISMATCH = re.compile(r"source must contain a single top-level operation, found: (\d+)")
_SEVERITIES = {"ERROR": "error", "WARNING": "warning", "NOTE": "note", "REMARK": "remark"}


@dataclass(frozen=True)
class Diag:
    """One MLIR diagnostic in source terms (severity is error/warning/...)."""

    severity: str
    message: str
    loc: SourceLoc | None
    notes: tuple["Diag", ...] = ()


class DiagnosticsError(AutoshardError):
    """MLIR rejected something (parse, verifier); `diagnostics` holds all of
    its messages, notes attached (the first error is also the exception's
    message and location)."""

    def __init__(self, diagnostics: list[Diag]):
        first = next((d for d in diagnostics if d.severity == "error"), None)
        super().__init__(first.message if first else "MLIR reported a failure",
                         first.loc if first else None)
        self.diagnostics = diagnostics


class ParseError(DiagnosticsError):
    """The input text does not parse or verify."""


def to_source_loc(location, source_name: str) -> SourceLoc | None:
    """`source_loc` that also renames the bindings' anonymous buffer."""
    loc = source_loc(location)
    if loc is not None and loc.file == _ANONYMOUS_BUFFER:
        loc = SourceLoc(source_name, loc.line, loc.col)
    # MLIR uses line 0 for "somewhere in this buffer" (e.g. wrong op count).
    if loc is not None and loc.line == 0:
        loc = SourceLoc(loc.file, 1, 1)
    return loc


def convert_diagnostic(info, source_name: str) -> Diag:
    """An `ir.DiagnosticInfo` (or `ir.Diagnostic`) as a `Diag`."""
    severity = _SEVERITIES.get(str(info.severity).rsplit(".", 1)[-1], "error")
    notes = tuple(convert_diagnostic(n, source_name) for n in info.notes)
    return Diag(severity, info.message, to_source_loc(info.location, source_name), notes)


def mlir_error_diagnostics(err: "ir.MLIRError", source_name: str) -> list[Diag]:
    diags = [convert_diagnostic(d, source_name) for d in err.error_diagnostics]
    return diags or [Diag("error", str(err), None)]


def verify_module(module, source_name: str) -> None:
    """Runs the MLIR verifier; failures become a located `DiagnosticsError`."""
    try:
        module.operation.verify()
    except ir.MLIRError as err:
        raise DiagnosticsError(mlir_error_diagnostics(err, source_name)) from None


@dataclass
class DiagnosticCollector:
    """Context manager catching the diagnostics MLIR emits outside of an
    MLIRError (warnings, remarks, errors from `Location.emit_error`) so they
    are reported in source terms instead of printed raw by the bindings."""

    ctx: "ir.Context"
    source_name: str
    diagnostics: list[Diag] = field(default_factory=list)

    def __enter__(self) -> "DiagnosticCollector":
        def handle(d) -> bool:
            self.diagnostics.append(convert_diagnostic(d, self.source_name))
            return True

        self._handler = self.ctx.attach_diagnostic_handler(handle)
        return self

    def __exit__(self, *exc) -> None:
        self._handler.detach()


def pad_to_position(text: str, line: int, col: int) -> str:
    """`text` preceded by whitespace so that it starts at line:col (1-based)."""
    return "\n" * (line - 1) + " " * (col - 1) + text


def load_module(
    text: str, source_name: str, ctx: "ir.Context", *, line: int = 1, col: int = 1,
    warnings: list[Diag] | None = None,
) -> "ir.Module":
    """Parses and verifies `text`, which starts at `line`:`col` of the file
    `source_name`.  Raises `ParseError` with located diagnostics; non-fatal
    ones (warnings, remarks) are appended to `warnings` if given."""
    text = pad_to_position(text, line, col)
    upgrade = _legacy_upgrader()
    if upgrade is not None:
        text = upgrade(text, source_name)
    _refuse_what_would_abort(text, source_name, ctx, line, col)
    with ctx, DiagnosticCollector(ctx, source_name) as collected:
        try:
            module = _parse_implicit_module(text, source_name)
            module.operation.verify()
        except ir.MLIRError as err:
            raise ParseError(collected.diagnostics + mlir_error_diagnostics(err, source_name)) from None
    if any(d.severity == "error" for d in collected.diagnostics):
        raise ParseError(collected.diagnostics)
    if warnings is not None:
        warnings.extend(collected.diagnostics)
    return module


def _refuse_what_would_abort(text: str, source_name: str, ctx, line: int, col: int) -> None:
    """A located ParseError instead of the process dying in one of the
    bindings' asserting verifiers (see `abort_guard`)."""

    def parse_and_verify():
        with ctx, DiagnosticCollector(ctx, source_name):
            _parse_implicit_module(text, source_name).operation.verify()

    if parse_survives(parse_and_verify):
        return
    site = locate_abort(text)
    if site is not None:
        diag = Diag("error", f"{site.message}; MLIR's verifier would abort on this op",
                    SourceLoc(source_name, site.line, site.col))
    else:
        diag = Diag("error", "MLIR's verifier crashed on this input (an assertion inside the bindings);"
                    " autoshard cannot tell which op caused it", SourceLoc(source_name, line, col))
    raise ParseError([diag])


def _legacy_upgrader():
    """`autoshard.ir.legacy.upgrade_legacy_text` (pre-LLVM-21 `mesh` text to
    `shard`, line numbers kept) when that module exists.  Looked up rather
    than `try: import`, so that a broken upgrader fails loudly instead of
    being silently skipped."""
    if importlib.util.find_spec("autoshard.ir.legacy") is None:
        return None
    from autoshard.ir.legacy import upgrade_legacy_text

    return upgrade_legacy_text


def _parse_implicit_module(text: str, source_name: str) -> "ir.Module":
    """mlir-opt's rule: a lone top-level `builtin.module` is the module,
    anything else is wrapped in a new one."""
    try:
        op = ir.Operation.parse(text, source_name=source_name)
    except ir.MLIRError as err:
        msgs = [d.message for d in err.error_diagnostics]
        if len(msgs) != 1 or not _COUNT_MISMATCH.search(msgs[0]):
            raise
        wrapped = _wrap_in_module(text)
        if wrapped is None:
            module = ir.Module.parse(text)
            _rename_anonymous_buffer(module, source_name)
        else:
            module = _adopt_module(ir.Operation.parse(wrapped, source_name=source_name), source_name)
        # mlir-opt locates the implicit module at <file>:0:0 (seen with
        # --mlir-print-debuginfo).
        module.operation.location = ir.Location.file(source_name, 0, 0)
        return module
    if op.operation.name == "builtin.module":
        return _adopt_module(op, source_name)
    module = ir.Module.create(loc=ir.Location.file(source_name, 0, 0))
    module.body.append(op.operation)
    return module


_ALIAS = re.compile(r"\s*[#!][\w.$-]+\s*=")


def _wrap_in_module(text: str) -> str | None:
    """`text` inside `module { ... }`, the opening brace placed on a
    blank/comment line before the first code line; None if there is none.
    Attribute and type aliases (`#map = ...`) stay outside the module."""
    lines = text.split("\n")
    first_code = next(
        (i for i, line in enumerate(lines)
         if line.strip() and not line.lstrip().startswith("//") and not _ALIAS.match(line)),
        len(lines),
    )
    if first_code == 0:
        return None
    before = lines[first_code - 1]
    lines[first_code - 1] = before + " module {" if _ALIAS.match(before) else "module {" + before
    return "\n".join(lines) + "\n}"


def _rename_anonymous_buffer(module, source_name: str) -> None:
    """Rewrites loc("-":L:C) to loc(source_name:L:C) throughout `module`."""

    def renamed(loc):
        if loc.is_a_file() and loc.filename == _ANONYMOUS_BUFFER:
            return ir.Location.file(source_name, loc.start_line, loc.start_col)
        return None

    def visit(op):
        new = renamed(op.location)
        if new is not None:
            op.location = new
        for region in op.regions:
            for block in region.blocks:
                for arg in block.arguments:
                    new_arg = renamed(arg.location)
                    if new_arg is not None:
                        arg.set_location(new_arg)
        return ir.WalkResult.ADVANCE

    with module.context:
        module.operation.walk(visit, ir.WalkOrder.PRE_ORDER)


def _adopt_module(parsed, source_name: str) -> "ir.Module":
    """An `ir.Module` owning the contents of a parsed `builtin.module` op.

    Callers expect `ir.Module` (what `ir.Module.parse` returns), while
    `Operation.parse` gives a detached op; moving the body keeps the parsed
    locations."""
    module = ir.Module.create(loc=parsed.operation.location)
    attrs = parsed.operation.attributes
    for name in list(attrs):
        module.operation.attributes[name] = attrs[name]
    for op in list(parsed.regions[0].blocks[0].operations):
        module.body.append(op.operation)
    return module


def print_module(module) -> str:
    """The module's text as mlir-opt prints it (no debug locations)."""
    return str(module.operation)
