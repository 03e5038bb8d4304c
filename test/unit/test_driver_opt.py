"""autoshard-opt in process (`autoshard.tools.opt.run`) with throwaway
passes given as the registry, so nothing leaks into the real PASSES."""

import io
from dataclasses import dataclass, field

import pytest

from autoshard.diagnostics import AutoshardError
from autoshard.tools.opt import run
from autoshard.transforms.base import Pass, PipelineState


def _ops(op):
    for region in op.regions:
        for block in region.blocks:
            for child in block.operations:
                yield child
                yield from _ops(child.operation)


@dataclass(frozen=True)
class FailAtAdd(Pass):
    name = "fail-at-add"
    summary = "Raise at the first tosa.add"

    message: str = field(default="add not allowed", metadata={"help": "the error text"})

    def run(self, module, state: PipelineState) -> None:
        for op in _ops(module.operation):
            if op.operation.name == "tosa.add":
                raise AutoshardError(self.message, op.location)


@dataclass(frozen=True)
class WarnFuncs(Pass):
    name = "warn-funcs"
    summary = "Warn at every function and report their count"

    def run(self, module, state: PipelineState) -> None:
        funcs = [op for op in module.body.operations if op.operation.name == "func.func"]
        for f in funcs:
            state.warn("function seen", f.location)
        state.reports.append(f"{len(funcs)} function(s)")


@dataclass(frozen=True)
class Buggy(Pass):
    name = "buggy"
    summary = "Has a bug"

    def run(self, module, state: PipelineState) -> None:
        raise KeyError("oops")


@dataclass(frozen=True)
class EmitOnly(Pass):
    name = "emit-only"
    summary = "Emits an MLIR error diagnostic at each function but does not raise"

    def run(self, module, state: PipelineState) -> None:
        for op in module.body.operations:
            op.location.emit_error("emitted, not raised")


REGISTRY = {p.name: p for p in (FailAtAdd, WarnFuncs, Buggy, EmitOnly)}

GOOD = "// RUN: nothing\nfunc.func @g() {\n  return\n}\n"
ADD = "// line 1\nfunc.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {\n  %0 = tosa.add %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>\n  return %0 : tensor<4xf32>\n}\n"


def opt(args, stdin=""):
    out, err = io.StringIO(), io.StringIO()
    code = run(args, io.StringIO(stdin), out, err, registry=REGISTRY)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def files(tmp_path):
    def write(name, text):
        path = tmp_path / name
        path.write_text(text)
        return str(path)
    return write


def test_round_trip_from_stdin():
    code, out, err = opt([], GOOD)
    assert (code, err) == (0, "")
    assert out == "module {\n  func.func @g() {\n    return\n  }\n}\n\n"


def test_pass_error_is_reported_at_the_file_line(files):
    path = files("in.mlir", ADD)
    code, out, err = opt([path, "--fail-at-add"])
    assert code == 1 and out == ""
    assert err.startswith(f"{path}:3:8: error: add not allowed\n")
    assert "Traceback" not in err


def test_error_line_in_a_later_chunk(files):
    path = files("s.mlir", GOOD + "// -----\n" + ADD)
    code, out, err = opt([path, "--split-input-file", "--pass-pipeline=builtin.module(fail-at-add{message='no adds'})"])
    assert code == 1
    assert err.startswith(f"{path}:8:8: error: no adds\n")
    assert out.count("// -----\n") == 1 and "@g" in out and "@f" not in out


def test_warnings_and_reports(files, tmp_path):
    path = files("w.mlir", GOOD)
    report = tmp_path / "plan.txt"
    code, out, err = opt([path, "--warn-funcs", f"--plan-report={report}"])
    assert code == 0
    assert err == f"{path}:2:1: warning: function seen\nfunc.func @g() {{\n^\n"
    assert report.read_text() == "1 function(s)\n"
    code, out, err = opt([path, "--warn-funcs", "--plan-report"])
    assert err.endswith("warning: function seen\nfunc.func @g() {\n^\n1 function(s)\n")


def test_output_file_only_on_success(files, tmp_path):
    target = tmp_path / "out.mlir"
    bad = files("bad.mlir", ADD)
    assert opt([bad, "--fail-at-add", "-o", str(target)])[0] == 1
    assert not target.exists()
    good = files("good.mlir", GOOD)
    code, out, _ = opt([good, "-o", str(target)])
    assert (code, out) == (0, "")
    assert target.read_text().startswith("module {")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.mlir", "good.mlir", "out.mlir"]


def test_verify_diagnostics_accepts_expected_pass_error(files):
    text = ADD.replace("  %0 = tosa.add", "  // expected-error @below {{add not allowed}}\n  %0 = tosa.add")
    code, out, err = opt([files("v.mlir", text), "--verify-diagnostics", "--fail-at-add"])
    assert (code, out, err) == (0, "", "")
    code, _, err = opt([files("v2.mlir", ADD), "--verify-diagnostics", "--fail-at-add"])
    assert code == 1 and "error: unexpected error: add not allowed" in err


@pytest.mark.parametrize("args, message", [
    (["--no-such-flag"], "autoshard-opt: error: unknown command line argument '--no-such-flag'\n"),
    (["-output=x"], "autoshard-opt: error: unknown command line argument '-output=x'\n"),
    (["--fail-at-ad"], "autoshard-opt: error: unknown command line argument '--fail-at-ad'; did you mean '--fail-at-add'?\n"),
    (["--pass-pipeline=builtin.module(warn-func)"],
     "autoshard-opt: error: 'warn-func' does not refer to a registered pass or pass pipeline; did you mean 'warn-funcs'?\n"),
    (["--fail-at-add=colour=red"], "autoshard-opt: error: unknown option 'colour' for pass 'fail-at-add' (options: message)\n"),
    (["/no/such/file.mlir"], "autoshard-opt: error: cannot open input file '/no/such/file.mlir': No such file or directory\n"),
    (["--pass-pipeline=builtin.module()", "--pass-pipeline=builtin.module()"],
     "autoshard-opt: error: '--pass-pipeline' may only be given once\n"),
])
def test_command_line_errors(args, message):
    assert opt(args, GOOD) == (1, "", message)


def test_internal_error_exit_2_without_traceback(monkeypatch):
    monkeypatch.delenv("AUTOSHARD_TRACEBACK", raising=False)
    code, out, err = opt(["--buggy"], GOOD)
    assert code == 2
    assert err == "<stdin>: error: internal error: in pass 'buggy': KeyError: 'oops'\n"


def test_plan_report_flag_does_not_swallow_the_input(files):
    path = files("p.mlir", GOOD)
    code, out, err = opt(["--plan-report", path, "--warn-funcs"])
    assert code == 0 and "@g" in out and err.endswith("1 function(s)\n")


def test_help_lists_passes_and_options():
    code, out, _ = opt(["--help"])
    assert code == 0
    lines = out.splitlines()
    fail = next(i for i, line in enumerate(lines) if line.strip().startswith("--fail-at-add "))
    assert "Raise at the first tosa.add" in lines[fail]
    assert lines[fail + 1].split() == ["--message=<str>", "-", "the", "error", "text", "(default:", "add", "not", "allowed)"]
    assert any(line.strip().startswith("--warn-funcs ") and "Warn at every function" in line for line in lines)


def test_error_emitted_through_mlir_fails_the_run(files):
    path = files("e.mlir", GOOD)
    code, out, err = opt([path, "--emit-only"])
    assert (code, out) == (1, "")
    assert err.startswith(f"{path}:2:1: error: emitted, not raised\n")


def test_internal_error_keeps_earlier_chunks_messages(files, monkeypatch):
    monkeypatch.delenv("AUTOSHARD_TRACEBACK", raising=False)
    path = files("c.mlir", GOOD + "// -----\n" + ADD)

    # Warn everywhere, crash only in the chunk holding a tosa.add.
    @dataclass(frozen=True)
    class CrashOnAdd(Pass):
        name = "crash-on-add"
        summary = "Crashes at a tosa.add"

        def run(self, module, state: PipelineState) -> None:
            if any(op.operation.name == "tosa.add" for op in _ops(module.operation)):
                raise IndexError("bad index")

    out, err = io.StringIO(), io.StringIO()
    registry = dict(REGISTRY, **{CrashOnAdd.name: CrashOnAdd})
    code = run([path, "--split-input-file", "--warn-funcs", "--crash-on-add"], io.StringIO(), out, err, registry=registry)
    assert code == 2 and out.getvalue() == ""
    # Warnings are printed when they happen: also those of the chunk the
    # bug stopped.
    assert err.getvalue() == (
        f"{path}:2:1: warning: function seen\nfunc.func @g() {{\n^\n"
        f"{path}:7:1: warning: function seen\nfunc.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {{\n^\n"
        f"{path}: error: internal error: in pass 'crash-on-add': IndexError: bad index\n"
    )


def test_mlir_passes_as_flags_keep_command_line_order(files):
    path = files("m.mlir", ADD.replace("  return %0", "  %1 = tosa.add %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>\n  return %1"))
    # cse drops the dead first add, so failing after it hits the second.
    code, out, err = opt([path, "--cse", "--fail-at-add"])
    assert code == 1 and err.startswith(f"{path}:4:8: error: add not allowed")
    code, out, err = opt([path, "--fail-at-add", "--cse"])
    assert code == 1 and err.startswith(f"{path}:3:8: error: add not allowed")
    code, out, err = opt([path, "--cse"])
    assert (code, err) == (0, "") and out.count("tosa.add") == 1


def test_upstream_pass_lookup():
    from autoshard.tools.driver import upstream_pass_exists

    assert upstream_pass_exists("cse")
    assert upstream_pass_exists("tosa-infer-shapes")  # a func.func pass
    assert not upstream_pass_exists("no-such-pass")
    assert not upstream_pass_exists("cse)(x")


def test_verify_diagnostics_modes(files):
    text = GOOD.replace("func.func @g", "// expected-warning @below {{function seen}}\nfunc.func @g") + ADD
    path = files("modes.mlir", text)
    # The second function's warning is not expected.
    code, _, err = opt([path, "--warn-funcs", "--verify-diagnostics"])
    assert code == 1 and "error: unexpected warning: function seen" in err
    assert opt([path, "--warn-funcs", "-verify-diagnostics=all"])[0] == 1
    assert opt([path, "--warn-funcs", "--verify-diagnostics=only-expected"])[:3:2] == (0, "")
    assert opt([path, "--verify-diagnostics=only-expected"])[0] == 1  # the expected one is missing
    assert opt([path, "--verify-diagnostics=some"])[2] == (
        "autoshard-opt: error: invalid value 'some' for --verify-diagnostics (expected 'all' or 'only-expected')\n")


def test_run_pipeline_api():
    from autoshard.tools.driver import run_pipeline

    result = run_pipeline(ADD, "builtin.module(warn-funcs,fail-at-add{message='stop'})", "api.mlir", registry=REGISTRY)
    assert not result.ok and result.output == ""
    assert result.stderr.startswith("api.mlir:2:1: warning: function seen\n")
    assert "api.mlir:3:8: error: stop\n" in result.stderr
    assert result.reports == ["1 function(s)"]
    ok = run_pipeline(GOOD, "builtin.module(func.func(cse))", registry=REGISTRY)
    assert ok.ok and ok.output.startswith("module {") and ok.internal_error is None
    with pytest.raises(AutoshardError, match="does not refer to a registered pass"):
        run_pipeline(GOOD, "builtin.module(nope)", registry=REGISTRY)
