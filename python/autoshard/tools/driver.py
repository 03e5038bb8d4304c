"""The processing behind `autoshard-opt`, usable without the command line.

    result = run_pipeline(text, "builtin.module(autoshard{grid=2x4},autoshard-partition)")
    result.output, result.stderr, result.ok, result.reports

or, step by step:

    config = OptConfig(steps=build_steps(parse_pipeline("builtin.module(autoshard)")))
    result = process_input(text, "input.mlir", config)

One input is parsed (whole, or per `// -----` chunk), every step runs on the
module with a fresh `PipelineState`, the module is re-verified after each
step, and every diagnostic is rendered mlir-opt style (or, with
`verify_diagnostics`, matched against `expected-*` comments instead).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from autoshard.diagnostics import AutoshardError, SourceLoc
from autoshard.ir import ir, new_context, passmanager
from autoshard.ir.loader import (
    Diag,
    DiagnosticCollector,
    DiagnosticsError,
    load_module,
    mlir_error_diagnostics,
    pad_to_position,
    print_module,
    to_source_loc,
    verify_module,
)
from autoshard.tools.pipeline import FUNC_ANCHOR, MODULE_ANCHOR, PassSpec
from autoshard.tools.render import SourceFiles, render
from autoshard.tools.split import OUTPUT_SEPARATOR, Chunk, near_misses, split_input
from autoshard.tools.verify_diagnostics import DiagnosticVerifier

# mlir-opt turns this note off under --verify-diagnostics
# (`printOpOnDiagnostic(false)`), so tests need not expect it.
_OP_DUMP_NOTE = "see current operation:"


@dataclass(frozen=True)
class UpstreamPass:
    """A pass of the MLIR build itself (canonicalize, cse, ...), run through
    the bindings' PassManager with the options exactly as written."""

    name: str
    pipeline: str  # e.g. builtin.module(func.func(cse))

    def run(self, module, state) -> None:
        try:
            passmanager.PassManager.parse(self.pipeline, context=module.context).run(module.operation)
        except ir.MLIRError as err:
            raise DiagnosticsError(mlir_error_diagnostics(err, state.source_name)) from None


def build_steps(specs: list[PassSpec], registry: dict | None = None) -> list:
    """Pass objects for `specs`: autoshard passes from `registry` (default:
    everything `autoshard.transforms` registers), otherwise an MLIR pass of
    that name; neither is an AutoshardError."""
    if registry is None:
        registry = default_registry()
    steps = []
    for spec in specs:
        cls = registry.get(spec.name)
        steps.append(cls.from_options(spec.options_dict()) if cls else _upstream_step(spec, registry))
    return steps


def default_registry() -> dict:
    import autoshard.transforms  # noqa: F401  (registers the passes)
    from autoshard.transforms.base import PASSES

    return PASSES


_UNKNOWN_PASS = "does not refer to a registered pass"
_PASS_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_NEEDS_NESTING = "did you intend to nest?"


def upstream_pass_exists(name: str) -> bool:
    """Whether MLIR itself has a pass called `name` (for `--cse`-style flags)."""
    if not _PASS_NAME.fullmatch(name):
        return False
    try:
        passmanager.PassManager.parse(f"{MODULE_ANCHOR}({name})", context=new_context())
    except ValueError as err:
        return _UNKNOWN_PASS not in str(err)
    return True


def _upstream_step(spec: PassSpec, registry: dict) -> UpstreamPass:
    try:
        return _parsed_upstream(spec, spec.anchor)
    except ValueError as err:
        if _NEEDS_NESTING in str(err) and spec.anchor == (MODULE_ANCHOR,):
            # mlir-opt nests function passes given at module level
            # implicitly (`--tosa-infer-shapes`); so do we.
            try:
                return _parsed_upstream(spec, (MODULE_ANCHOR, FUNC_ANCHOR))
            except ValueError as nested_err:
                err = nested_err
        if _UNKNOWN_PASS not in str(err):
            detail = " ".join(str(err).split())
            raise AutoshardError(f"invalid options for pass '{spec.name}': {detail}") from None
        hint = difflib.get_close_matches(spec.name, list(registry), n=1)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        raise AutoshardError(
            f"'{spec.name}' does not refer to a registered pass or pass pipeline{suggestion}"
        ) from None


def _parsed_upstream(spec: PassSpec, anchor: tuple[str, ...]) -> UpstreamPass:
    """Checks the pass and its options by parsing them (ValueError if bad)."""
    text = spec.name + (f"{{{spec.options_text}}}" if spec.options_text else "")
    for op_name in reversed(anchor):
        text = f"{op_name}({text})"
    passmanager.PassManager.parse(text, context=new_context())
    return UpstreamPass(spec.name, text)


@dataclass
class OptConfig:
    steps: list = field(default_factory=list)
    split_input_file: bool = False
    verify_diagnostics: bool = False
    verify_only_expected: bool = False  # --verify-diagnostics=only-expected
    allow_unregistered_dialect: bool = False


@dataclass
class ChunkResult:
    output: str | None  # the printed module, None when the chunk failed
    diagnostics: list[Diag]  # in emission order
    reports: list[str]


@dataclass
class OptResult:
    output: str  # what mlir-opt would write to stdout
    stderr: str  # the diagnostics, rendered
    ok: bool  # the exit status is 0 (with -o, the file may be written)
    reports: list[str]
    # A bug (not an AutoshardError/MLIRError) stopped the run; `stderr`
    # still holds the diagnostics of the chunks before it.
    internal_error: Exception | None = None


class InternalError(Exception):
    """A step raised something that is neither an AutoshardError nor an
    MLIRError: a bug in that step, reported with the step's name."""

    def __init__(self, step_name: str, error: Exception):
        detail = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        super().__init__(f"in pass '{step_name}': {detail}")


def run_steps(module, steps: list, state) -> None:
    """Runs the steps in order on `module`, verifying after each one as
    mlir-opt does, so a pass producing invalid IR is caught at that pass."""
    for step in steps:
        try:
            step.run(module, state)
        except (AutoshardError, ir.MLIRError):
            raise
        except Exception as err:
            raise InternalError(step.name, err) from err
        verify_module(module, state.source_name)


def process_chunk(text: str, source_name: str, config: OptConfig, line: int = 1, col: int = 1) -> ChunkResult:
    """Parses `text` (at line:col of `source_name`), runs the steps and
    prints the result.  Internal errors (not AutoshardError / MLIRError)
    propagate."""
    from autoshard.transforms.base import PipelineState

    ctx = new_context()
    ctx.allow_unregistered_dialects = config.allow_unregistered_dialect
    state = PipelineState(source_name=source_name)
    diags: list[Diag] = []
    output = None
    try:
        module = load_module(text, source_name, ctx, line=line, col=col, warnings=diags)
        with ctx, DiagnosticCollector(ctx, source_name) as collected:
            try:
                run_steps(module, config.steps, state)
            finally:
                diags.extend(collected.diagnostics)
        # An error emitted through MLIR's diagnostic engine (e.g. by
        # `Location.emit_error`) fails the run even if the pass went on.
        if not any(d.severity == "error" for d in diags):
            output = print_module(module) + "\n"
    except DiagnosticsError as err:
        failure = err.diagnostics
    except AutoshardError as err:
        failure = [Diag(err.severity, err.message, _located(err.loc, source_name))]
    except ir.MLIRError as err:
        failure = mlir_error_diagnostics(err, source_name)
    else:
        failure = []
    diags.extend(Diag(d.severity, d.message, _located(d.loc, source_name)) for d in state.diagnostics)
    diags.extend(failure)
    return ChunkResult(output, diags, list(state.reports))


def _located(loc, source_name: str) -> SourceLoc | None:
    """A pass's location (SourceLoc, MLIR Location or None) in source terms."""
    if loc is None:
        return None
    if isinstance(loc, SourceLoc):
        return SourceLoc(source_name, loc.line, loc.col) if loc.file == "-" else loc
    return to_source_loc(loc, source_name)


def process_input(text: str, source_name: str, config: OptConfig) -> OptResult:
    sources = SourceFiles()
    sources.add(source_name, text)
    stderr: list[str] = []
    outputs: list[str] = []
    reports: list[str] = []
    ok = True
    if config.split_input_file:
        chunks = split_input(text)
        for line, col in near_misses(text):
            stderr.append(render("warning", "near miss with file split marker",
                                 SourceLoc(source_name, line, col), sources))
    else:
        chunks = [Chunk(text, 1, 1)]
    for chunk in chunks:
        try:
            result = process_chunk(chunk.text, source_name, config, chunk.line, chunk.col)
        except Exception as err:  # a bug; earlier chunks' messages are kept
            return OptResult("", "".join(stderr), False, reports, err)
        outputs.append(result.output or "")
        reports.extend(result.reports)
        if config.verify_diagnostics:
            verifier = DiagnosticVerifier.from_text(pad_to_position(chunk.text, chunk.line, chunk.col), source_name,
                                                    only_expected=config.verify_only_expected)
            for d in _flatten(result.diagnostics):
                if not d.message.startswith(_OP_DUMP_NOTE):
                    verifier.process(d.severity, d.message, d.loc)
            problems = verifier.finish()
            stderr.extend(render("error", p.message, p.loc, sources, p.length) for p in problems)
            ok = ok and not problems
        else:
            stderr.extend(render(d.severity, d.message, d.loc, sources) for d in _flatten(result.diagnostics))
            ok = ok and result.output is not None
    return OptResult(OUTPUT_SEPARATOR.join(outputs), "".join(stderr), ok, reports)


def _flatten(diags: list[Diag]):
    for d in diags:
        yield d
        yield from _flatten(list(d.notes))


def run_pipeline(text: str, pipeline: str, source_name: str = "<string>", *,
                 split_input_file: bool = False, verify_diagnostics: bool = False,
                 registry: dict | None = None) -> OptResult:
    """`autoshard-opt --pass-pipeline=<pipeline>` on `text`, in process.
    Bad pipelines or options raise AutoshardError; errors in the input come
    back rendered in `result.stderr` with `result.ok` False."""
    from autoshard.tools.pipeline import parse_pipeline

    config = OptConfig(build_steps(parse_pipeline(pipeline), registry),
                       split_input_file=split_input_file, verify_diagnostics=verify_diagnostics)
    return process_input(text, source_name, config)
