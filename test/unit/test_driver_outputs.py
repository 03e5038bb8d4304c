"""autoshard-opt's outputs: files written as mlir-opt writes them, the plan
report's formats, progress lines, pass options checked when built."""

import io
import json
import os
import stat

import pytest

from autoshard.diagnostics import AutoshardError
from autoshard.tools.opt import run
from autoshard.tools.output import OutputFile
from autoshard.transforms import PASSES
from autoshard.transforms import autoshard_pass

MLP = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "mlp_small.mlir")


def test_output_file_writes_through_a_symlink_and_keeps_the_mode(tmp_path):
    target = tmp_path / "target"
    target.write_text("old")
    os.chmod(target, 0o640)
    link = tmp_path / "link"
    link.symlink_to("target")
    with OutputFile(str(link)) as out:
        out.write("new\n")
        out.keep()
    assert link.is_symlink() and target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_new_output_file_mode_comes_from_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        with OutputFile(str(tmp_path / "f")) as out:
            out.keep()
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "f").stat().st_mode) == 0o640


def test_output_file_not_kept_is_removed_but_a_device_never(tmp_path):
    path = tmp_path / "f"
    path.write_text("stale")
    with OutputFile(str(path)) as out:
        out.write("partial")
    assert not path.exists()
    device = tmp_path / "null"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # /dev/null's numbers, never /dev/null
    except PermissionError:
        pytest.skip("mknod not permitted")
    with OutputFile(str(device)) as out:
        out.write("discarded")
    assert stat.S_ISCHR(os.lstat(device).st_mode)


def test_missing_directory_is_an_error_before_any_work(tmp_path):
    with pytest.raises(AutoshardError, match="cannot open output file .*: No such file or directory"):
        OutputFile(str(tmp_path / "no" / "f"))


def _opt(args):
    out, err = io.StringIO(), io.StringIO()
    code = run(args, io.StringIO(), out, err)
    return code, out.getvalue(), err.getvalue()


def test_plan_report_json_and_progress(tmp_path, monkeypatch):
    # Progress is normally quiet for 2 s; make every solve "long".
    monkeypatch.setattr(autoshard_pass, "QUIET_SECONDS", 0.0)
    report = tmp_path / "r.json"
    code, out, err = _opt([MLP, "--autoshard=grid=2x4 memory-budget=12KiB", f"--plan-report={report}"])
    assert code == 0, err
    assert "autoshard: @mlp: [" in err and "problem built:" in err and err.rstrip().endswith("done")
    data = json.loads(report.read_text())
    (plan,) = data["reports"]
    assert plan["function"] == "mlp" and plan["solver"]["status"] == "optimal"
    assert {c["kind"] for c in plan["collectives"]} == {"reduce_scatter"}
    assert plan["baselines"]["megatron"]["cost_s"] > plan["totals"]["cost_s"]


def test_quiet_when_fast():
    code, _, err = _opt([MLP, "--autoshard=grid=2x4"])
    assert code == 0 and err == ""


@pytest.mark.parametrize(
    "options, message",
    [
        ({"memory-budget": "12XB"}, "invalid value '12XB' for option 'memory-budget' of pass 'autoshard': "
                                    "expects a size such as 160MiB or 2GB"),
        ({"time-limit": "0"}, "invalid value '0.0' for option 'time-limit' of pass 'autoshard': expects a finite positive number"),
        ({"threads": "0"}, "option 'threads' of pass 'autoshard': expects an integer from 1 to 256"),
        ({"baseline": "alpa"}, "option 'baseline' of pass 'autoshard': expects one of megatron, none"),
        ({"grid": "2y4"}, "option 'grid' of pass 'autoshard': grid shape '2y4' is not of the form 2x4"),
    ],
)
def test_bad_options_fail_when_the_pass_is_built(options, message):
    with pytest.raises(AutoshardError) as info:
        PASSES["autoshard"].from_options(options)
    assert message in info.value.message


def test_bad_option_on_the_command_line_reads_no_input(tmp_path):
    code, out, err = _opt([str(tmp_path / "missing.mlir"), "--autoshard=memory-budget=lots"])
    assert code == 1 and out == ""
    assert err == ("autoshard-opt: error: invalid value 'lots' for option 'memory-budget' of pass 'autoshard': "
                   "expects a size such as 160MiB or 2GB\n")
