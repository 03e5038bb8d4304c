"""Native runs on MPI ranks: `python bench/mpi.py [--markdown]`.

For each case autoshard-run's machinery (tools/run.py) compiles the original
program for one process and the SPMD program for N MPICH ranks, runs both on
the same seeded inputs and checks that they agree.  Printed: the seconds the
single process and the N ranks took for the program itself (compilation and
process start-up excluded; the ranks' time is the slowest rank's, between two
barriers), and per collective the bytes each rank passed to MPI against what
the cost model charges for it.  On the project's 2-core machine 8 ranks are
oversubscribed 4:1, so the N-rank time measures correctness and overhead, not
speed-up.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT / "python"))

from autoshard.tools.run import run_program  # noqa: E402

# examples/mlp.mlir with every size divided by 8 (x 128x512, W1 512x2048,
# W2 2048x512): big enough for the matmuls to dominate, small enough to run
# single-process in seconds.  The budget is mlp.mlir's 160 MiB divided by 8^2.
_MLP_MID = """func.func @mlp(%x: tensor<1x128x512xf32>, %w1: tensor<1x512x2048xf32>, %w2: tensor<1x2048x512xf32>) -> tensor<1x128x512xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %h = tosa.matmul %x, %w1, %zp, %zp : (tensor<1x128x512xf32>, tensor<1x512x2048xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x128x2048xf32>
  %r = tosa.clamp %h {min_val = 0.0 : f32, max_val = 3.40282347e38 : f32} : (tensor<1x128x2048xf32>) -> tensor<1x128x2048xf32>
  %y = tosa.matmul %r, %w2, %zp, %zp : (tensor<1x128x2048xf32>, tensor<1x2048x512xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x128x512xf32>
  return %y : tensor<1x128x512xf32>
}
"""


def cases(tmp: Path):
    mid = tmp / "mlp_mid.mlir"
    mid.write_text(_MLP_MID)
    small = ROOT / "examples/mlp_small.mlir"
    yield "examples/mlp_small.mlir grid=8, 12 KiB", small, "autoshard{grid=8 memory-budget=12KiB}", 8
    yield "examples/mlp_small.mlir grid=2x4, 12 KiB", small, "autoshard{grid=2x4 memory-budget=12KiB}", 8
    yield "MLP / 8 (x 128x512) grid=2x4, 2.5 MiB", mid, "autoshard{grid=2x4 memory-budget=2560KiB}", 8
    # Hand-annotated (no planner): a conv2d split along H and W, halo exchanges.
    yield "test/lit/mpi/halo-2d.mlir (conv2d, H and W split)", ROOT / "test/lit/mpi/halo-2d.mlir", None, 8
    gpt2 = SHARED / "corpus/torch/gpt2_block.tosa.mlir"
    if gpt2.exists():
        yield "corpus/torch/gpt2_block grid=2x4, 16 MiB", gpt2, "autoshard{grid=2x4 memory-budget=16MiB}", 8


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print the tables as markdown")
    args = parser.parse_args()
    timings, traffic = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for name, path, plan, ranks in cases(Path(tmp)):
            passes = f"{plan},autoshard-partition" if plan else "autoshard-partition"
            r = run_program(str(path), f"builtin.module({passes})", ranks)
            timings.append((name, ranks, r.original_seconds, r.spmd_seconds, r.max_error))
            for c in r.collectives:
                ratio = f"{c.measured / c.model:.3f}" if c.model else ("exact" if c.measured == 0 else "inf")
                traffic.append((name, f"#{c.ident} {c.kind} {list(c.axes)}", c.group_size,
                                f"{c.measured:.0f}", f"{min(c.sent_per_rank)}..{max(c.sent_per_rank)}",
                                f"{c.model:.0f}", ratio))
            print(f"done: {name}", file=sys.stderr)
    if args.markdown:
        print("| case | ranks | 1 process s | N ranks s | largest error |\n|---|---:|---:|---:|---:|")
        for name, ranks, one, many, err in timings:
            print(f"| {name} | {ranks} | {one:.4f} | {many:.4f} | {err:.3g} |")
        print("\n| case | collective (grid axes) | group | B/rank measured | min..max over ranks | cost model B | ratio |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for row in traffic:
            print("| " + " | ".join(str(v) for v in row) + " |")
        return 0
    print(f"{'case':<44} {'ranks':>5} {'1 proc s':>9} {'N ranks s':>9} {'max err':>8}")
    for name, ranks, one, many, err in timings:
        print(f"{name:<44} {ranks:>5} {one:>9.4f} {many:>9.4f} {err:>8.3g}")
    print()
    print(f"{'case':<44} {'collective':<32} {'group':>5} {'B/rank':>9} {'min..max':>17} {'model B':>9} {'ratio':>6}")
    for row in traffic:
        print(f"{row[0]:<44} {row[1]:<32} {row[2]:>5} {row[3]:>9} {row[4]:>17} {row[5]:>9} {row[6]:>6}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
