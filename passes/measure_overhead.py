"""Measures what running autoshard's passes through the plugin costs on top
of running them in Python (numbers in docs/plugin.md).

    .venv/bin/python passes/measure_overhead.py build/lib/libAutoshardPlugin.so examples/mlp.mlir

Per pass: mlir-opt's --mlir-timing wall time of the plugin pass (print with
locations, JSON over the socket, Python parses, runs, prints; C++ parses and
swaps the body) minus the time of the Python pass alone (`Pass.run` on a
parsed module, in process).  Per process: the wall time of a whole mlir-opt
run minus the time of its passes is mostly starting the Python child and
importing autoshard.  Each figure is the best of --repeat runs.
"""

import argparse
import importlib.util
import os
import re
import subprocess
import sys
import time

from autoshard.ir import ir, new_context
from autoshard.transforms import PASSES, PipelineState



def mlir_opt() -> str:
    return os.path.join(list(importlib.util.find_spec("mlir").submodule_search_locations)[0], "bin", "mlir-opt")


def plugin_run(plugin: str, path: str, pipeline: str) -> tuple[float, dict[str, float]]:
    """(whole-process wall seconds, {pass: wall seconds from --mlir-timing})."""
    start = time.perf_counter()
    run = subprocess.run([mlir_opt(), f"--load-pass-plugin={plugin}", f"--pass-pipeline=builtin.module({pipeline})",
                          "--mlir-timing", "--mlir-timing-display=list", path],
                         capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    line = re.compile(r"^\s+([\d.]+) \(\s*[\d.]+%\)\s+(\S.*?)\s*$", re.M)
    return wall, {m[2]: float(m[1]) for m in line.finditer(run.stderr)}


def python_times(path: str, pipeline: str) -> dict[str, float]:
    """{pass: seconds of Pass.run} for the same pipeline, in this process."""
    from autoshard.tools.pipeline import parse_pipeline

    with new_context():
        module = ir.Module.parse(open(path).read())
        state, times = PipelineState(), {}
        for spec in parse_pipeline(f"builtin.module({pipeline})"):
            p = PASSES[spec.name].from_options(dict(spec.options))
            start = time.perf_counter()
            p.run(module, state)
            times[spec.name] = time.perf_counter() - start
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("plugin")
    parser.add_argument("input")
    parser.add_argument("--pipeline", default="autoshard{grid=2x4 memory-budget=160MiB},autoshard-partition",
                        help="autoshard passes only (each at most once)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from autoshard.tools.pipeline import parse_pipeline

    names = [spec.name for spec in parse_pipeline(f"builtin.module({args.pipeline})")]
    best_wall, best_plugin, best_python = float("inf"), {}, {}
    for _ in range(args.repeat):
        wall, plugin = plugin_run(args.plugin, args.input, args.pipeline)
        python = python_times(args.input, args.pipeline)
        best_wall = min(best_wall, wall)
        for n in names:
            best_plugin[n] = min(best_plugin.get(n, float("inf")), plugin[n])
            best_python[n] = min(best_python.get(n, float("inf")), python[n])
    print(f"{'pass':<22}{'plugin (s)':>12}{'python (s)':>12}{'overhead (ms)':>15}")
    for n in names:
        print(f"{n:<22}{best_plugin[n]:>12.3f}{best_python[n]:>12.3f}{1000 * (best_plugin[n] - best_python[n]):>15.1f}")
    passes_total = sum(best_plugin.values())
    print(f"whole mlir-opt run {best_wall:.3f} s, of which outside the passes {best_wall - passes_total:.3f} s "
          "(process start, loading dialects, starting Python and importing autoshard)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
