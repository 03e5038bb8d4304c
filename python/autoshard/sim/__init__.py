"""A numpy interpreter for TOSA + func + shard programs, on one device or
SPMD over a simulated device grid — the oracle that proves a partitioned
program computes what the original did.

    run_function(module, "f", inputs) -> outputs
    run_spmd(module, "f", {device: inputs}) -> {device: outputs}
    random_inputs(func_type_or_arg_types, seed) -> inputs
    SimError(message, location)   # unsupported op / bad shape, located at the op

`run_spmd` runs every device of the grid named by the function's shard ops
(or the module's only grid; one device `()` without a grid) in lockstep, op
by op; a collective sees all devices' operands at once. Collective semantics
are in `collectives.py` (pure numpy, usable on their own).

Values keep the exact element dtype (bf16 is float32 rounded to bf16); each
op computes in float64/int64 and rounds once to its result type. Op coverage
is the handler registries `registry.LOCAL` / `registry.COLLECTIVE` (one
decorated function per op); anything else raises `SimError` at the op.
"""

from autoshard.sim.interpreter import run_function, run_spmd
from autoshard.sim.values import SimError, random_inputs

__all__ = ["run_function", "run_spmd", "SimError", "random_inputs"]
