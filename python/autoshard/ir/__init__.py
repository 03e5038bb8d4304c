"""The single import point for the MLIR Python bindings.

Everything else in autoshard imports `ir`, the dialect modules and the pass
manager from here, so a change of binding package touches one file.
"""

from mlir import ir  # noqa: F401  (re-exported)
from mlir import passmanager  # noqa: F401
from mlir.dialects import func, shard, tosa  # noqa: F401


def new_context() -> "ir.Context":
    """A context with every dialect the bindings ship, loaded eagerly.

    Multithreading is off: passes run on one thread and the output must be
    byte-identical from run to run.
    """
    ctx = ir.Context()
    ctx.enable_multithreading(False)
    ctx.load_all_available_dialects()
    return ctx
