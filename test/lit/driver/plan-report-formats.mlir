// The plan report as data (--plan-report=FILE.json), as a text table with
// readable units (the default), and as a picture (--plan-graph).
// RUN: rm -rf %t && mkdir -p %t
// RUN: autoshard-opt %s --autoshard='grid=2x4 memory-budget=12KiB' --plan-report=%t/r1.json --plan-graph=%t/g.svg -o %t/out.mlir
// RUN: autoshard-opt %s --autoshard='grid=2x4 memory-budget=12KiB' --plan-report=%t/r2.json --plan-graph=%t/g.dot > /dev/null
// RUN: %python %S/Inputs/check_plan_json.py %t/r1.json %t/r2.json | FileCheck %s --check-prefix=JSON
// JSON: ok
// RUN: %python -c "import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); sys.exit(r.tag != '{http://www.w3.org/2000/svg}svg')" %t/g.svg
// RUN: FileCheck %s --check-prefix=SVG --input-file=%t/g.svg
// SVG: <svg xmlns="http://www.w3.org/2000/svg"
// SVG-DAG: tosa.matmul (
// SVG-DAG: reduce_scatter[0]
// RUN: FileCheck %s --check-prefix=DOT --input-file=%t/g.dot
// DOT:      digraph autoshard_plan {
// DOT:      subgraph cluster_0 {
// DOT:      label="@mlp on @grid (2x4)";
// DOT:      [color="#C00000", penwidth=2.5, label="reduce_scatter[0]"
// DOT:      }
//
// The text table: units that fit, collectives listed, baseline costed.
// RUN: autoshard-opt %s --autoshard='grid=2x4 memory-budget=12KiB' --plan-report 2>&1 >/dev/null | FileCheck %s --check-prefix=TEXT
// TEXT:     autoshard plan for @mlp on grid @grid (2x4)
// TEXT-NOT: 0.000000 ms
// TEXT:     tosa.matmul {{.*}} {{[0-9.]+}} ns
// TEXT:     collectives:
// TEXT-NEXT: reduce_scatter axes [0] tosa.matmul -> return #0 512 B -> 256 B {{[0-9.]+}} us
// TEXT:     total modelled cost: {{[0-9.]+}} us
// TEXT:     solver: optimal
// TEXT:     baseline megatron: {{[0-9.]+}} us (autoshard / baseline =
// RUN: not autoshard-opt %s --autoshard=grid=2x4 --plan-graph=%t/g.png 2>&1 | FileCheck %s --check-prefix=BADGRAPH
// BADGRAPH: autoshard-opt: error: --plan-graph: '{{.*}}g.png' must end in .svg or .dot

func.func @mlp(%x: tensor<1x16x32xf32>, %w1: tensor<1x32x64xf32>, %w2: tensor<1x64x32xf32>) -> tensor<1x16x32xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %h = tosa.matmul %x, %w1, %zp, %zp : (tensor<1x16x32xf32>, tensor<1x32x64xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x64xf32>
  %r = tosa.clamp %h {min_val = 0.0 : f32, max_val = 3.40282347E+38 : f32} : (tensor<1x16x64xf32>) -> tensor<1x16x64xf32>
  %y = tosa.matmul %r, %w2, %zp, %zp : (tensor<1x16x64xf32>, tensor<1x64x32xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x32xf32>
  return %y : tensor<1x16x32xf32>
}
