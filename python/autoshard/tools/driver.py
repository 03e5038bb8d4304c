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

A pipeline becomes steps (`build_steps`): each autoshard pass is a
`PythonStep` (a module pass: on the root module, or on the modules a nested
`builtin.module(...)` / `any(...)` selects); consecutive MLIR passes form
one `UpstreamSegment`, run by one bindings PassManager with the user's
nesting, so that MLIR's own instrumentation (IR dumps, timing, statistics;
tools/instrument.py) sees the pipeline mlir-opt would.
"""

from __future__ import annotations

import difflib
import re
import time
from dataclasses import dataclass, field
from typing import Callable

from autoshard.diagnostics import AutoshardError, SourceLoc
from autoshard.ir import ir, new_context, passmanager
from autoshard.ir.loader import (
    Diag,
    DiagnosticCollector,
    DiagnosticsError,
    ParseError,
    load_module,
    mlir_error_diagnostics,
    pad_to_position,
    print_module,
    to_source_loc,
    verify_module,
)
from autoshard.tools.instrument import Instrumentation, captured_stderr_fd
from autoshard.tools.pipeline import ANY_ANCHOR, FUNC_ANCHOR, MODULE_ANCHOR, Nest, PassSpec
from autoshard.tools.render import SourceFiles, render
from autoshard.tools.split import OUTPUT_SEPARATOR, Chunk, near_misses, split_input
from autoshard.tools.verify_diagnostics import DiagnosticVerifier
from autoshard.transforms.base import ModuleView, Pass

# mlir-opt turns this note off under --verify-diagnostics
# (`printOpOnDiagnostic(false)`), so tests need not expect it.
_OP_DUMP_NOTE = "see current operation:"


@dataclass(frozen=True)
class UpstreamPass:
    """One pass of the MLIR build itself (canonicalize, cse, ...), checked
    when the pipeline is built; `text` is the pass with its options as
    written, `anchor` the anchors added implicitly (a function pass given
    as a flag runs under func.func)."""

    name: str
    text: str
    anchor: tuple[str, ...]


@dataclass(frozen=True)
class UpstreamSegment:
    """Consecutive MLIR passes, run by one bindings PassManager with the
    nesting of the user's pipeline.  `root` is None for per-pass flags:
    the pipeline then anchors on whatever the input's top-level op is."""

    root: str | None
    body: str  # the pipeline inside the root anchor, e.g. "func.func(cse),canonicalize"
    name: str = "mlir"

    def pipeline(self, root_name: str) -> str:
        return f"{self.root or root_name}({self.body})"

    def run(self, module, state, instr: Instrumentation | None = None) -> None:
        root = module.operation
        pm = passmanager.PassManager.parse(self.pipeline(root.name), context=root.context)
        if instr is None or not instr.captures_mlir_output():
            try:
                pm.run(root)
            except ir.MLIRError as err:
                raise DiagnosticsError(mlir_error_diagnostics(err, state.source_name)) from None
            return
        instr.configure(pm)
        failure = None
        with captured_stderr_fd() as captured:
            try:
                pm.run(root)
            except ir.MLIRError as err:
                failure = DiagnosticsError(mlir_error_diagnostics(err, state.source_name))
            del pm  # the timing report is printed when the PassManager goes
        instr.consume(captured[0])
        if failure is not None:
            raise failure


@dataclass(frozen=True)
class PythonStep:
    """An autoshard pass, run on the root op or, when nested
    (`builtin.module(builtin.module(autoshard))`, `any(...)`), on every
    `builtin.module` its anchors select."""

    pass_: Pass
    root: str | None  # None: the input's top-level op, whatever it is
    nesting: tuple[str, ...] = ()  # anchors below the root

    @property
    def name(self) -> str:
        return self.pass_.name

    def run(self, module, state, instr: Instrumentation | None = None) -> None:
        root = module.operation
        if self.root is not None and self.root != root.name:
            raise AutoshardError(f"can't run '{self.root}' pass manager on '{root.name}' op", root.location)
        if not self.nesting and root.name != MODULE_ANCHOR:
            raise AutoshardError(_restricted(self.name, root.name), root.location)
        targets = [module] if not self.nesting else [ModuleView(op) for op in _anchored(root, self.nesting)]
        for target in targets:
            if instr is None:
                self.pass_.run(target, state)
                continue
            with instr.python_pass(self.name, target.operation, self.nesting):
                self.pass_.run(target, state)


def _anchored(root, nesting: tuple[str, ...]) -> list:
    """The ops a nested pipeline runs on: for each anchor in turn, the ops
    of that name (any op for `any`) directly inside the previous ones; in
    the end only builtin.module ops (an autoshard pass is a module pass)."""
    ops = [root]
    for anchor in nesting:
        ops = [child.operation for op in ops for region in op.regions for block in region.blocks
               for child in block.operations if anchor == ANY_ANCHOR or child.operation.name == anchor]
    return [op for op in ops if op.name == MODULE_ANCHOR]


def _restricted(pass_name: str, anchor: str) -> str:
    # mlir-opt's words for a module pass nested under another op.
    return (f"Can't add pass '{pass_name}' restricted to '{MODULE_ANCHOR}' on a PassManager intended "
            f"to run on '{anchor}', did you intend to nest?")


def build_steps(pipeline: "list[PassSpec] | Nest", registry: dict | None = None, *, root: str | None = None) -> list:
    """Steps for a pipeline (a `Nest`, or per-pass flags as PassSpecs):
    autoshard passes from `registry` (default: everything
    `autoshard.transforms` registers), runs of MLIR's own passes grouped
    into segments.  An unknown pass, bad options or a module pass nested
    under another op are AutoshardErrors.  Per-pass flags run on the
    input's top-level op, whatever it is (`root` None)."""
    if registry is None:
        registry = default_registry()
    if isinstance(pipeline, Nest):
        tree, root = pipeline, pipeline.op_name
    else:
        tree = _tree_from_specs(pipeline)
    steps: list = []
    pending: list[tuple[tuple[str, ...], str]] = []  # (nesting, upstream text) not yet in a segment

    def flush() -> None:
        if pending:
            steps.append(UpstreamSegment(root, _join(pending)))
            pending.clear()

    def visit(node: "Nest | PassSpec", nesting: tuple[str, ...]) -> None:
        if isinstance(node, PassSpec):
            cls = registry.get(node.name)
            if cls is not None:
                last = nesting[-1] if nesting else root
                if last not in (None, MODULE_ANCHOR, ANY_ANCHOR):
                    raise AutoshardError(_restricted(node.name, last))
                flush()
                steps.append(PythonStep(cls.from_options(node.options_dict()), root, nesting))
            else:
                up = _upstream_step(node, registry, nesting, root)
                pending.append((nesting + up.anchor, up.text))
            return
        if not any(spec.name in registry for spec in node.passes()):
            pending.append((nesting, _upstream_text(node)))  # kept whole: same nesting as mlir-opt
            for spec in node.passes():  # still check every pass and its options now
                _upstream_step(spec, registry, spec.anchor[1:], root)
            return
        for child in node.children:
            visit(child, nesting + (node.op_name,))

    for child in tree.children:
        visit(child, ())
    flush()
    return steps


def _tree_from_specs(specs: list[PassSpec]) -> Nest:
    """Flat PassSpecs (anchors recorded in each) back into a tree; passes
    given as flags all sit at the root."""
    root = Nest(MODULE_ANCHOR)
    children: list = []
    for spec in specs:
        inner = spec.anchor[1:]
        node: "Nest | PassSpec" = spec
        for anchor in reversed(inner):
            node = Nest(anchor, (node,))
        children.append(node)
    return Nest(root.op_name, tuple(children))


def _join(items: list[tuple[tuple[str, ...], str]]) -> str:
    """Pipeline text for (nesting, text) items in order: consecutive items
    under the same anchor share one nested pipeline."""
    out: list[str] = []
    i = 0
    while i < len(items):
        nesting, text = items[i]
        if not nesting:
            out.append(text)
            i += 1
            continue
        j = i
        while j < len(items) and items[j][0][:1] == nesting[:1]:
            j += 1
        inner = [(n[1:], t) for n, t in items[i:j]]
        out.append(f"{nesting[0]}({_join(inner)})")
        i = j
    return ",".join(out)


def _upstream_text(node: "Nest | PassSpec") -> str:
    if isinstance(node, PassSpec):
        return node.name + (f"{{{node.options_text}}}" if node.options_text else "")
    return f"{node.op_name}({','.join(_upstream_text(c) for c in node.children)})"


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


def _upstream_step(spec: PassSpec, registry: dict, nesting: tuple[str, ...] = (),
                   root: str | None = MODULE_ANCHOR) -> UpstreamPass:
    """Checks an MLIR pass and its options by parsing them where they are
    nested; a function pass given as a flag is nested implicitly under
    func.func, as mlir-opt does (`--tosa-infer-shapes`)."""
    anchor = (root or MODULE_ANCHOR,) + nesting
    try:
        return _parsed_upstream(spec, anchor)
    except ValueError as err:
        if _NEEDS_NESTING in str(err) and root is None and not nesting:
            try:
                return _parsed_upstream(spec, anchor, (FUNC_ANCHOR,))
            except ValueError as nested_err:
                err = nested_err
        if _NEEDS_NESTING in str(err):
            raise AutoshardError(_mlir_error_text(err)) from None
        if _UNKNOWN_PASS not in str(err):
            detail = " ".join(str(err).split())
            raise AutoshardError(f"invalid options for pass '{spec.name}': {detail}") from None
        hint = difflib.get_close_matches(spec.name, list(registry), n=1)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        raise AutoshardError(
            f"'{spec.name}' does not refer to a registered pass or pass pipeline{suggestion}"
        ) from None


def _mlir_error_text(err: Exception) -> str:
    """The first line of an MLIR pipeline error, without its location prefix."""
    first = str(err).strip().split("\n")[0]
    return re.sub(r"^.*?error: ", "", first)


def _parsed_upstream(spec: PassSpec, anchor: tuple[str, ...], implicit: tuple[str, ...] = ()) -> UpstreamPass:
    """Checks the pass and its options by parsing them (ValueError if bad);
    `implicit` anchors are added inside `anchor`."""
    text = spec.name + (f"{{{spec.options_text}}}" if spec.options_text else "")
    wrapped = text
    for op_name in reversed(anchor + implicit):
        wrapped = f"{op_name}({wrapped})"
    passmanager.PassManager.parse(wrapped, context=new_context())
    return UpstreamPass(spec.name, text, implicit)


@dataclass
class OptConfig:
    steps: list = field(default_factory=list)
    split_input_file: bool = False
    verify_diagnostics: bool = False
    verify_only_expected: bool = False  # --verify-diagnostics=only-expected
    allow_unregistered_dialect: bool = False
    # Where a command-line run shows things as they happen (both take one
    # line of text): progress lines, and warnings rendered when a pass emits
    # them (not with verify_diagnostics, which must see them all first).
    progress: Callable[[str], object] | None = None
    live_stderr: Callable[[str], None] | None = None
    no_implicit_module: bool = False
    print_generic: bool = False  # --mlir-print-op-generic
    print_debuginfo: bool = False  # --mlir-print-debuginfo
    instrumentation: Instrumentation | None = None  # IR dumps, timing, statistics

    def print_op(self, module) -> str:
        if not (self.print_generic or self.print_debuginfo):
            return print_module(module)  # the plain form, as everywhere else
        return module.operation.get_asm(enable_debug_info=self.print_debuginfo,
                                        print_generic_op_form=self.print_generic)


@dataclass
class ChunkResult:
    output: str | None  # the printed module, None when the chunk failed
    diagnostics: list[Diag]  # in emission order
    reports: list[str]
    # --mlir-pass-statistics / --mlir-timing reports, printed after the
    # chunk's diagnostics (mlir-opt prints them per chunk, at its end).
    trailer: str = ""


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


def run_steps(module, steps: list, state, instr: Instrumentation | None = None) -> None:
    """Runs the steps in order on `module`, verifying after each one as
    mlir-opt does, so a pass producing invalid IR is caught at that pass."""
    for step in steps:
        try:
            step.run(module, state, instr)
        except (AutoshardError, ir.MLIRError):
            raise
        except Exception as err:
            raise InternalError(step.name, err) from err
        verify_module(module, state.source_name)


class _RootOp:
    """A top-level op that is not a module (`--no-implicit-module`), as the
    steps see a module: `.operation` and `.context`."""

    def __init__(self, op):
        self.operation = op.operation
        self.context = op.context


def _load_root(text: str, source_name: str, ctx, config: OptConfig, line: int, col: int, warnings: list):
    """The input's top-level op: a module (wrapping the input in one unless
    it is a lone `builtin.module`), or with `no_implicit_module` the single
    top-level op the input must consist of."""
    if config.no_implicit_module:
        with ctx, DiagnosticCollector(ctx, source_name) as collected:
            try:
                op = ir.Operation.parse(pad_to_position(text, line, col), source_name=source_name)
            except ir.MLIRError as err:
                raise ParseError(collected.diagnostics + mlir_error_diagnostics(err, source_name)) from None
        if op.operation.name != MODULE_ANCHOR:
            root = _RootOp(op)
            verify_module(root, source_name)
            warnings.extend(collected.diagnostics)
            return root
    return load_module(text, source_name, ctx, line=line, col=col, warnings=warnings)


def process_chunk(text: str, source_name: str, config: OptConfig, line: int = 1, col: int = 1,
                  on_diagnostic: Callable[[Diag], None] | None = None) -> ChunkResult:
    """Parses `text` (at line:col of `source_name`), runs the steps and
    prints the result.  The passes' warnings go to `on_diagnostic` as they
    happen if given, else into the result.  Internal errors (not
    AutoshardError / MLIRError) propagate."""
    from autoshard.transforms.base import PipelineState

    ctx = new_context()
    ctx.allow_unregistered_dialects = config.allow_unregistered_dialect
    state = PipelineState(source_name=source_name, on_progress=config.progress)
    if on_diagnostic is not None:
        state.on_diagnostic = lambda d: on_diagnostic(Diag(d.severity, d.message, _located(d.loc, source_name)))
    instr = config.instrumentation
    chunk_started = time.perf_counter()
    if instr is not None:
        instr.begin_chunk()
    diags: list[Diag] = []
    output = None
    try:
        started = time.perf_counter()
        module = _load_root(text, source_name, ctx, config, line, col, diags)
        if instr is not None:
            instr.add_time("Parser", time.perf_counter() - started)
            if instr.pipeline_dump:
                instr.sink(instr.pipeline_dump)
        with ctx, DiagnosticCollector(ctx, source_name) as collected:
            try:
                run_steps(module, config.steps, state, instr)
            finally:
                diags.extend(collected.diagnostics)
        # An error emitted through MLIR's diagnostic engine (e.g. by
        # `Location.emit_error`) fails the run even if the pass went on.
        if not any(d.severity == "error" for d in diags):
            started = time.perf_counter()
            output = config.print_op(module) + "\n"
            if instr is not None:
                instr.add_time("Output", time.perf_counter() - started)
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
    trailer = instr.end_chunk(time.perf_counter() - chunk_started) if instr is not None else ""
    return ChunkResult(output, diags, list(state.reports), trailer)


def _located(loc, source_name: str) -> SourceLoc | None:
    """A pass's location (SourceLoc, MLIR Location or None) in source terms."""
    if loc is None:
        return None
    if isinstance(loc, SourceLoc):
        return SourceLoc(source_name, loc.line, loc.col) if loc.file == "-" else loc
    return to_source_loc(loc, source_name)


def process_input(text: str, source_name: str, config: OptConfig) -> OptResult:
    """Runs the pipeline on the input (each chunk with split_input_file).
    Diagnostics are rendered into `OptResult.stderr`, or, when
    `config.live_stderr` is set (and diagnostics are not being verified),
    written there as they happen, in order with the IR dumps."""
    sources = SourceFiles()
    sources.add(source_name, text)
    stderr: list[str] = []
    outputs: list[str] = []
    reports: list[str] = []
    ok = True
    live = config.live_stderr if not config.verify_diagnostics else None
    emit = live if live is not None else stderr.append
    if config.instrumentation is not None:
        config.instrumentation.sink = emit
    if config.split_input_file:
        chunks = split_input(text)
        for line, col in near_misses(text):
            emit(render("warning", "near miss with file split marker", SourceLoc(source_name, line, col), sources))
    else:
        chunks = [Chunk(text, 1, 1)]

    def render_all(diags) -> str:
        return "".join(render(d.severity, d.message, d.loc, sources) for d in _flatten(list(diags)))

    for chunk in chunks:
        try:
            result = process_chunk(chunk.text, source_name, config, chunk.line, chunk.col,
                                   (lambda d: emit(render_all([d]))) if live is not None else None)
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
            emit(render_all(result.diagnostics))
            ok = ok and result.output is not None
        if result.trailer:
            emit(result.trailer)
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
