"""The Python side of the native mlir-opt plugin (python/autoshard/plugin_entry.py):
the generated C++ pass table, one pass run on printed text, the pipeline
state shared by a run's passes, and the socket protocol.  No compiler or
plugin needed."""

import json
import socket
import threading

from autoshard import plugin_entry
from autoshard.transforms import PASSES

MODULE = """
func.func @f(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %e = tosa.exp %x : (tensor<8x8xf32>) -> tensor<8x8xf32>
  return %e : tensor<8x8xf32>
}
"""


def _with_locations(text: str, name: str = "in.mlir") -> str:
    from autoshard.ir import ir, new_context

    with new_context():
        op = ir.Operation.parse("module {" + text + "}", source_name=name)
        return op.get_asm(enable_debug_info=True)


def test_describe_lists_every_pass_and_option():
    described = {p["name"]: p for p in plugin_entry.describe()}
    assert set(described) == set(PASSES)
    for name, cls in PASSES.items():
        assert [o["name"] for o in described[name]["options"]] == [cls.option_name(f) for f in cls.options()]
        assert described[name]["summary"] == cls.summary


def test_registry_source_is_a_cxx_initializer_per_pass():
    source = plugin_entry.registry_source()
    for p in plugin_entry.describe():
        assert f'{{"{p["name"]}", ' in source
        for o in p["options"]:
            assert f'{{"{o["name"]}", OptionKind::{o["kind"]}, ' in source
    assert "OptionKind::Int" in source and "INT64_C(" in source


def test_run_returns_the_new_module_with_locations():
    text, diagnostics = plugin_entry.run("autoshard", {"grid": "4"}, _with_locations(MODULE), state_id=101)
    plugin_entry.handle({"op": "release", "state": 101})
    assert diagnostics == []
    assert "shard.grid @grid(shape = 4)" in text
    assert 'loc("in.mlir":3:' in text


def test_errors_come_back_located_and_fail_the_pass():
    text, diagnostics = plugin_entry.run("autoshard-verify", {}, _with_locations(MODULE), state_id=102)
    plugin_entry.handle({"op": "release", "state": 102})
    assert text is None
    [error] = diagnostics
    assert error["severity"] == "error" and "no original kept by autoshard-partition" in error["message"]
    assert error["file"] == "in.mlir" and error["line"] >= 1  # located at the function


def test_passes_talk_through_the_ir_only():
    annotated, _ = plugin_entry.run("autoshard", {"grid": "4"}, _with_locations(MODULE), state_id=103)
    spmd, diagnostics = plugin_entry.run("autoshard-partition", {}, annotated, state_id=103)
    assert diagnostics == []
    checked, diagnostics = plugin_entry.run("autoshard-verify", {}, spmd, state_id=103)
    assert checked is not None and diagnostics == []
    # Another state (another pipeline, another process) verifies the same IR.
    again, diagnostics = plugin_entry.run("autoshard-verify", {}, spmd, state_id=104)
    assert again is not None and diagnostics == []
    for state in (103, 104):
        plugin_entry.handle({"op": "release", "state": state})
    assert 103 not in plugin_entry._states


def test_check_reports_bad_options():
    assert plugin_entry.check("autoshard", {"grid": "2x4"}) is None
    assert "unknown option 'bogus'" in plugin_entry.check("autoshard", {"bogus": "1"})
    assert "unknown pass" in plugin_entry.check("autoshard-nope", {})


def test_serve_answers_one_json_line_per_request():
    ours, theirs = socket.socketpair()
    server = threading.Thread(target=plugin_entry.serve, args=(theirs.detach(),))
    server.start()
    with ours, ours.makefile("rwb") as channel:
        for request in ({"op": "check", "pass": "autoshard", "options": {"bogus": "1"}}, {"op": "what"},
                        {"op": "run"}):
            channel.write(json.dumps(request).encode() + b"\n")
            channel.flush()
            assert "error" in json.loads(channel.readline())
        ours.shutdown(socket.SHUT_WR)
    server.join(timeout=10)
    assert not server.is_alive()
