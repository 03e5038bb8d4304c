"""Wall time and peak memory of the main job on the shipped examples and the
corpus: `python bench/pipeline.py [--verify-seed]`.

Each case runs `autoshard-opt` in a fresh process (so peak RSS is the case's
own) and prints: case, grid, budget, seconds, peak RSS, modelled cost,
solver status.  `--verify-seed` adds the full-size numerical check of the
seed's example (about 15 GB of memory).
"""

from __future__ import annotations

import argparse
import re
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
OPT = str(Path(sys.executable).with_name("autoshard-opt"))


def cases(verify_seed: bool):
    yield "examples/seed_matmul_legacy.mlir", "autoshard,autoshard-partition", ROOT / "examples/seed_matmul_legacy.mlir"
    for grid in ("8", "2x4"):
        yield f"examples/mlp.mlir grid={grid}", f"autoshard{{grid={grid} memory-budget=160MiB}},autoshard-partition", ROOT / "examples/mlp.mlir"
    yield "examples/mlp_small.mlir +verify", "autoshard{grid=2x4 memory-budget=12KiB},autoshard-partition,autoshard-verify", ROOT / "examples/mlp_small.mlir"
    if SHARED.exists():
        for name in ("torch/mlp.tosa.mlir", "tflite/mlp.fp32.tosa.mlir", "torch/gpt2_block.tosa.mlir", "torch/resnet_basic_block.tosa.mlir"):
            yield f"corpus/{name}", "autoshard{grid=2x4},autoshard-partition", SHARED / "corpus" / name
        yield "corpus/torch/gpt2_block +16MiB +verify", "autoshard{grid=2x4 memory-budget=16MiB},autoshard-partition,autoshard-verify", SHARED / "corpus/torch/gpt2_block.tosa.mlir"
    if verify_seed:
        yield "seed full size +verify", "autoshard,autoshard-partition,autoshard-verify", ROOT / "examples/seed_matmul_legacy.mlir"


def run(pipeline: str, path: Path):
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([OPT, str(path), f"--pass-pipeline=builtin.module({pipeline})", "--plan-report",
                                 "-o", "/dev/null"], stdout=subprocess.DEVNULL, stderr=err)
        _, status_word, usage = os.wait4(proc.pid, 0)  # this child's own peak RSS
        seconds = time.perf_counter() - start
        err.seek(0)
        stderr = err.read()
    code = os.waitstatus_to_exitcode(status_word)
    cost = re.search(r"total modelled cost: ([\d.]+ [mun]?s)", stderr)
    status = re.search(r"solver: (\w+)", stderr)
    return code, seconds, usage.ru_maxrss, cost, status, stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verify-seed", action="store_true")
    args = parser.parse_args()
    print(f"{'case':<40} {'s':>7} {'peak RSS':>10} {'modelled cost':>14} {'solver':>9}")
    failed = 0
    for name, pipeline, path in cases(args.verify_seed):
        code, seconds, peak, cost, status, err = run(pipeline, path)
        peak_text = f"{peak / 2**20:.2f} GiB"
        print(f"{name:<40} {seconds:7.2f} {peak_text:>10} {cost.group(1) if cost else '-':>14} {status.group(1) if status else '-':>9}"
              + ("" if code == 0 else f"  FAILED: {err.strip().splitlines()[0] if err.strip() else code}"))
        failed += code != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
