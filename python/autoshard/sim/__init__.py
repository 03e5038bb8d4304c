"""A numpy interpreter for TOSA + func + shard programs, on one device or
SPMD over a simulated device grid — the oracle that proves a partitioned
program computes what the original did.

    run_function(module, "f", inputs) -> outputs
    run_spmd(module, "f", {device: inputs}) -> {device: outputs}
    random_inputs(func_type_or_arg_types, seed) -> inputs

Op coverage lives in the handler registries (`registry.LOCAL`,
`registry.COLLECTIVE`); anything else raises `SimError` at the op.
"""

from autoshard.sim.interpreter import run_function, run_spmd
from autoshard.sim.values import SimError, random_inputs

__all__ = ["run_function", "run_spmd", "SimError", "random_inputs"]
