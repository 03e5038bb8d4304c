"""autoshard-opt: mlir-opt for autoshard's passes.

    autoshard-opt [options] [input.mlir|-]
      -o FILE                     output (default: stdout), written as mlir-opt writes
                                  it (tools/output.py): removed again if the run fails
      --split-input-file          process `// -----` chunks separately
      --verify-diagnostics[=all|only-expected]  check `// expected-error {{...}}` comments
      --pass-pipeline='builtin.module(autoshard{grid=2x4},autoshard-partition)'
      --<pass>[='<options>']      one flag per registered pass, in order
      --plan-report[=FILE]        print the passes' plan reports (stderr/FILE; FILE.json: as data)
      --plan-graph=FILE.svg|.dot  draw the plans' dataflow graphs
      --load-pass-plugin=FILE.py  import a Python file that registers passes
      --mlir-print-ir-{before,after}-all, --mlir-print-ir-after-failure,
      --mlir-print-op-generic, --mlir-print-debuginfo, --mlir-timing,
      --mlir-pass-statistics, --mlir-disable-threading, --dump-pass-pipeline,
      --list-passes, --show-dialects, --no-implicit-module   as in mlir-opt
      --allow-unregistered-dialect, --help, --version

Like mlir-opt, long options take one or two dashes and values attach with
`=`.  Exit status: 0 success, 1 any user-facing error (printed as
`file:line:col: error: message`), 2 an internal error (a bug; set
AUTOSHARD_TRACEBACK=1 to see the Python traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import difflib
import importlib.util
import os
import sys
import traceback

from autoshard.diagnostics import AutoshardError
from autoshard.tools.driver import (
    InternalError,
    OptConfig,
    build_steps,
    default_registry,
    process_input,
    upstream_pass_exists,
)
from autoshard.tools.pipeline import Nest, PassSpec, parse_options, parse_pipeline_tree
from autoshard.planner.report_graph import to_dot, to_svg
from autoshard.tools.instrument import Instrumentation
from autoshard.tools.listing import dump_pipeline_text, list_passes_text, reports_json, show_dialects_text
from autoshard.tools.output import OutputFile
from autoshard.tools.render import TOOL_NAME, render

STDIN_NAME = "<stdin>"  # what mlir-opt calls standard input in messages


class _Parser(argparse.ArgumentParser):
    """argparse reporting errors as AutoshardErrors instead of exiting 2."""

    def error(self, message: str):
        raise AutoshardError(message)


def _both_dashes(name: str) -> list[str]:
    return [f"-{name}", f"--{name}"]


# mlir-opt's debugging and listing flags, with mlir-opt's meaning.
_BOOLEAN_FLAGS = (
    "mlir-print-ir-before-all", "mlir-print-ir-after-all", "mlir-print-ir-after-failure", "mlir-timing",
    "mlir-print-debuginfo", "mlir-print-op-generic", "mlir-disable-threading", "mlir-pass-statistics",
    "dump-pass-pipeline", "list-passes", "show-dialects", "no-implicit-module",
)


def _argument_parser() -> _Parser:
    p = _Parser(prog=TOOL_NAME, add_help=False, allow_abbrev=False)
    p.add_argument("input", nargs="?", default="-")
    p.add_argument("-o", dest="output", default="-")
    p.add_argument(*_both_dashes("split-input-file"), dest="split_input_file", action="store_true")
    p.add_argument(*_both_dashes("allow-unregistered-dialect"), dest="allow_unregistered", action="store_true")
    p.add_argument(*_both_dashes("pass-pipeline"), dest="pass_pipeline", action="append", default=[])
    for flag in _BOOLEAN_FLAGS:
        p.add_argument(*_both_dashes(flag), dest=flag.replace("-", "_"), action="store_true")
    p.add_argument(*_both_dashes("plan-graph"), dest="plan_graph")
    p.add_argument("-h", *_both_dashes("help"), dest="help", action="store_true")
    p.add_argument(*_both_dashes("version"), dest="version", action="store_true")
    return p


# Options whose value must be attached with '=' (an optional value, or a
# per-pass flag), handled before argparse so `--plan-report in.mlir` cannot
# swallow the input file name.
_PLAN_REPORT = "plan-report"
_VERIFY = "verify-diagnostics"
_PLUGIN = "load-pass-plugin"
_SEPARATE_VALUE = {"-o", "-pass-pipeline", "--pass-pipeline", "-load-pass-plugin", "--load-pass-plugin",
                   "-plan-graph", "--plan-graph"}


@dataclasses.dataclass
class _EqualsOptions:
    rest: list[str]
    pass_flags: list[PassSpec]
    plan_report: str | None  # None: not asked; "-": stderr; else a file
    verify: str | None = None  # None, "all" or "only-expected"


def _option_name(arg: str) -> tuple[str, str | None] | None:
    """'--name=value' -> ('name', 'value'); '-name' -> ('name', None)."""
    if not arg.startswith("-") or arg in ("-", "--"):
        return None
    name, eq, value = arg.lstrip("-").partition("=")
    return name, (value if eq else None)


def _scan_plugins(argv: list[str]) -> list[str]:
    plugins = []
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        parsed = _option_name(arg)
        if parsed and parsed[0] == _PLUGIN:
            value = parsed[1] if parsed[1] is not None else (argv[i + 1] if i + 1 < len(argv) else None)
            if not value:
                raise AutoshardError(f"option '--{_PLUGIN}' requires a file name")
            plugins.append(value)
    return plugins


def _scan_equals_options(argv: list[str], pass_names) -> _EqualsOptions:
    out = _EqualsOptions([], [], None)
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            out.rest.extend(argv[i:])
            break
        parsed = _option_name(arg)
        if parsed and _is_pass_flag(parsed[0], pass_names):
            name, value = parsed
            out.pass_flags.append(PassSpec(name, parse_options(value or "", f"options of --{name}"),
                                           options_text=value or ""))
        elif parsed and parsed[0] == _PLAN_REPORT:
            out.plan_report = parsed[1] or "-"
        elif parsed and parsed[0] == _VERIFY:
            out.verify = parsed[1] or "all"
            if out.verify not in ("all", "only-expected"):
                raise AutoshardError(
                    f"invalid value '{out.verify}' for --{_VERIFY} (expected 'all' or 'only-expected')")
        elif parsed and parsed[0] == _PLUGIN:
            i += 1 if parsed[1] is None else 0  # its value, already loaded
        elif arg.startswith("-o") and arg != "-o" and not arg.startswith("-o="):
            # argparse would read `-output=x` as `-o utput=x`; mlir-opt
            # rejects it as an unknown option, and so do we.
            raise AutoshardError(f"unknown command line argument '{arg}'")
        else:
            out.rest.append(arg)
            if arg in _SEPARATE_VALUE and i + 1 < len(argv):
                out.rest.append(argv[i + 1])
                i += 1
        i += 1
    return out


# Names argparse handles; never looked up as MLIR passes.
_DRIVER_FLAGS = {"o", "h", "help", "version", "split-input-file", "verify-diagnostics",
                 "allow-unregistered-dialect", "pass-pipeline", _PLAN_REPORT, _PLUGIN, "plan-graph",
                 *_BOOLEAN_FLAGS}


def _is_pass_flag(name: str, pass_names) -> bool:
    """`--<name>` runs a pass: an autoshard one, or (like mlir-opt's
    `--cse`) one of MLIR's own."""
    if name in pass_names:
        return True
    return name not in _DRIVER_FLAGS and bool(name) and upstream_pass_exists(name)


def _load_plugin(path: str) -> None:
    """Imports a Python file; its `@register_pass` classes join PASSES."""
    module_name = "autoshard_plugin_" + os.path.splitext(os.path.basename(path))[0].replace("-", "_")
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or not os.path.isfile(path):
        raise AutoshardError(f"cannot load pass plugin '{path}': no such file")
    module = importlib.util.module_from_spec(spec)
    # dataclasses (every Pass is one) look their module up in sys.modules.
    sys.modules[module_name] = module
    assert spec.loader is not None  # a spec for a source file always has one
    try:
        spec.loader.exec_module(module)
    except Exception as err:  # the plugin's own bug, reported as a user error
        del sys.modules[module_name]
        raise AutoshardError(f"cannot load pass plugin '{path}': {type(err).__name__}: {err}") from None


def _known_flags(registry) -> list[str]:
    names = ["split-input-file", "verify-diagnostics", "allow-unregistered-dialect",
             "pass-pipeline", "help", "version", _PLAN_REPORT, _PLUGIN, "plan-graph", *_BOOLEAN_FLAGS]
    return [f"--{n}" for n in names + sorted(registry)]


def _reject_leftovers(leftovers: list[str], registry) -> None:
    for arg in leftovers:
        if arg.startswith("-") and arg != "-":
            flag = "--" + arg.lstrip("-").split("=", 1)[0]
            hint = difflib.get_close_matches(flag, _known_flags(registry), n=1, cutoff=0.7)
            raise AutoshardError(
                f"unknown command line argument '{arg}'" + (f"; did you mean '{hint[0]}'?" if hint else "")
            )
        raise AutoshardError(f"too many positional arguments: '{arg}' (one input file at most)")


def help_text(registry) -> str:
    lines = [
        "OVERVIEW: autoshard modular optimizer driver (mlir-opt for autoshard passes)",
        "",
        f"USAGE: {TOOL_NAME} [options] <input file>",
        "",
        "OPTIONS:",
        "  -o <filename>                   - Output filename (default: stdout); written only on success",
        "  --split-input-file              - Split the input on '// -----' and process each chunk separately",
        "  --verify-diagnostics[=<value>]  - Check that emitted diagnostics match 'expected-*' comments",
        "    =all                          -   every diagnostic must be expected, and every expectation met (default)",
        "    =only-expected                -   only check that the expectations are met",
        "  --pass-pipeline=<pipeline>      - e.g. 'builtin.module(autoshard{grid=2x4},func.func(cse))'",
        "  --plan-report[=<filename>]      - Print the plan reports of the passes (stderr, or the file;",
        "                                    a .json file gets them as data)",
        "  --plan-graph=<file.svg|file.dot> - Draw the plans' dataflow graphs, coloured by sharding",
        "  --mlir-print-ir-before-all      - Print IR before each pass",
        "  --mlir-print-ir-after-all       - Print IR after each pass",
        "  --mlir-print-ir-after-failure   - When printing the IR after a pass, only print if the pass failed",
        "  --mlir-print-op-generic         - Print the generic op form",
        "  --mlir-print-debuginfo          - Print debug info in MLIR output",
        "  --mlir-timing                   - Display execution times",
        "  --mlir-pass-statistics          - Display the statistics of each pass",
        "  --mlir-disable-threading        - Disable multi-threading within MLIR (always off in autoshard-opt)",
        "  --dump-pass-pipeline            - Print the pipeline that will be run",
        "  --list-passes                   - Print the list of registered passes and exit",
        "  --show-dialects                 - Print the list of registered dialects and exit",
        "  --no-implicit-module            - Disable implicit addition of a top-level module op during parsing",
        "  --load-pass-plugin=<file.py>    - Import a Python file registering more passes",
        "  --allow-unregistered-dialect    - Allow operations of unregistered dialects",
        "  --help                          - Display this help",
        "  --version                       - Display the version",
        "",
        "  Passes (as '--<pass>[=\"<options>\"]' flags, run in order, or inside --pass-pipeline;",
        "  any other name is looked up among MLIR's own passes, see mlir-opt --help):",
    ]
    for name in sorted(registry):
        cls = registry[name]
        lines.append(f"    --{name:<30}-   {cls.summary}")
        for f in cls.options():
            typ = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
            default = _default_text(f)
            help_ = f.metadata.get("help", "")
            opt = f"--{cls.option_name(f)}=<{typ}>"
            lines.append(f"      {opt:<30}- {help_} (default: {default})".rstrip())
    if not registry:
        lines.append("    (no autoshard pass is registered)")
    return "\n".join(lines) + "\n"


def _default_text(f: dataclasses.Field) -> str:
    if f.default is not dataclasses.MISSING:
        value = f.default
    elif f.default_factory is not dataclasses.MISSING:
        value = f.default_factory()
    else:
        return "required"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str) and value == "" else str(value)


def version_text() -> str:
    from importlib.metadata import PackageNotFoundError, version

    def ver(pkg: str) -> str:
        try:
            return version(pkg)
        except PackageNotFoundError:
            return "unknown"

    return (f"{TOOL_NAME} (autoshard {ver('autoshard')})\n"
            f"  MLIR Python bindings: xtc-mlir-python-bindings {ver('xtc-mlir-python-bindings')}\n")


def _read_input(path: str, stdin) -> tuple[str, str]:
    if path == "-":
        return stdin.read(), STDIN_NAME
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return f.read(), path
    except OSError as err:
        raise AutoshardError(f"cannot open input file '{path}': {err.strerror}") from None
    except UnicodeDecodeError as err:
        raise AutoshardError(f"input file '{path}' is not UTF-8 text: {err.reason}") from None


def run(argv: list[str], stdin, stdout, stderr, registry: dict | None = None) -> int:
    """The whole tool; returns the exit status.  `registry` replaces the
    registered passes (tests)."""
    where = TOOL_NAME
    if any(arg in ("-version", "--version") for arg in argv):
        # Answered before importing any pass: works even if one is broken.
        stdout.write(version_text())
        return 0
    try:
        for plugin in _scan_plugins(argv):
            _load_plugin(plugin)
        if registry is None:
            registry = default_registry()
        scanned = _scan_equals_options(argv, registry)
        args, leftovers = _argument_parser().parse_known_args(scanned.rest)
        _reject_leftovers(leftovers, registry)
        if args.help:
            stdout.write(help_text(registry))
            return 0
        if args.list_passes:
            stdout.write(list_passes_text(registry))
            return 0
        if args.show_dialects:
            stdout.write(show_dialects_text())
            return 0
        graph_format = _graph_format(args.plan_graph)
        pipeline = _pipeline(args, scanned)
        steps = build_steps(pipeline, registry)
        instr = _instrumentation(args, dump_pipeline_text(pipeline, registry) if args.dump_pass_pipeline else "")
        config = OptConfig(
            steps=steps,
            split_input_file=args.split_input_file,
            verify_diagnostics=scanned.verify is not None,
            verify_only_expected=scanned.verify == "only-expected",
            allow_unregistered_dialect=args.allow_unregistered,
            progress=lambda line: (stderr.write(line + "\n"), stderr.flush()),
            live_stderr=stderr.write,
            no_implicit_module=args.no_implicit_module,
            print_generic=args.mlir_print_op_generic,
            print_debuginfo=args.mlir_print_debuginfo,
            instrumentation=instr,
        )
        text, where = _read_input(args.input, stdin)
        # Like mlir-opt: the input is read, then the outputs are opened
        # (a bad path fails before any work), and a failed run removes them.
        with contextlib.ExitStack() as outputs:
            output = _open(args.output, outputs)
            report = _open(scanned.plan_report, outputs)
            graph = _open(args.plan_graph, outputs)
            result = process_input(text, where, config)
            stderr.write(result.stderr)
            if result.internal_error is not None:
                raise result.internal_error
            _emit(result.output, output, result.ok, stdout)
            _emit_reports(result.reports, report, result.ok, stderr)
            _emit_graph(result.reports, graph, graph_format, result.ok)
        return 0 if result.ok else 1
    except AutoshardError as err:
        stderr.write(render(err.severity, err.message, err.loc))
        return 1
    except BrokenPipeError:
        raise
    except Exception as err:  # a bug: report it in one line, never a traceback
        if os.environ.get("AUTOSHARD_TRACEBACK"):
            traceback.print_exc(file=stderr)
        detail = str(err) if isinstance(err, InternalError) else f"{type(err).__name__}: {err}"
        stderr.write(f"{where}: error: internal error: {detail}\n")
        return 2


def _pipeline(args, scanned: _EqualsOptions) -> Nest | list[PassSpec]:
    if len(args.pass_pipeline) > 1:
        raise AutoshardError("'--pass-pipeline' may only be given once")
    if args.pass_pipeline and scanned.pass_flags:
        raise AutoshardError("'--pass-pipeline' option can't be used with individual pass options")
    if args.pass_pipeline:
        return parse_pipeline_tree(args.pass_pipeline[0])
    return scanned.pass_flags


def _open(path: str | None, outputs: contextlib.ExitStack) -> OutputFile | str | None:
    """An OutputFile for a path; "-" and None (not asked) as they are."""
    if path is None or path == "-":
        return path
    return outputs.enter_context(OutputFile(path))


def _emit(output: str, where: OutputFile | str | None, ok: bool, stdout) -> None:
    # Like mlir-opt: stdout gets whatever succeeded (with --split-input-file,
    # the good chunks), a file only a complete successful result.
    if where == "-":
        stdout.write(output)
        stdout.flush()
    elif ok and isinstance(where, OutputFile):
        where.write(output)
        where.keep()


def _emit_reports(reports: list[str], where: OutputFile | str | None, ok: bool, stderr) -> None:
    if where is None:
        return
    if isinstance(where, OutputFile) and where.path.endswith(".json"):
        text = reports_json(reports)
    else:
        text = "".join(r if r.endswith("\n") else r + "\n" for r in reports)
    if where == "-":
        stderr.write(text)
    elif ok and isinstance(where, OutputFile):
        where.write(text)
        where.keep()


def _emit_graph(reports: list, where: OutputFile | str | None, fmt: str | None, ok: bool) -> None:
    if not ok or not isinstance(where, OutputFile):
        return
    graphs = [r.graph for r in reports if getattr(r, "graph", None) is not None]
    where.write(to_svg(graphs) if fmt == "svg" else to_dot(graphs))
    where.keep()


def _graph_format(path: str | None) -> str | None:
    if path is None:
        return None
    for fmt in ("svg", "dot"):
        if path.endswith("." + fmt):
            return fmt
    raise AutoshardError(f"--plan-graph: '{path}' must end in .svg or .dot")


def _instrumentation(args, pipeline_dump: str) -> Instrumentation | None:
    instr = Instrumentation(
        pipeline_dump=pipeline_dump,
        print_before_all=args.mlir_print_ir_before_all,
        print_after_all=args.mlir_print_ir_after_all,
        print_after_failure=args.mlir_print_ir_after_failure,
        generic=args.mlir_print_op_generic,
        debuginfo=args.mlir_print_debuginfo,
        timing=args.mlir_timing,
        statistics=args.mlir_pass_statistics,
    )
    return instr if instr.active() else None


def main(argv: list[str] | None = None) -> int:
    # MLIR text is UTF-8 whatever the locale says (LANG=C would make Python
    # fail on the first non-ASCII string attribute).
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    try:
        code = run(sys.argv[1:] if argv is None else argv, sys.stdin, sys.stdout, sys.stderr)
        sys.stdout.flush()
        return code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `autoshard-opt ... | head`: stop quietly, and keep Python's final
        # flush from complaining about the closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
