"""autoshard: automatic sharding for MLIR (TOSA + shard dialect).

Data flows one way: MLIR -> graph -> problem -> solution -> rewritten MLIR.
`autoshard.solver` knows no MLIR; everything that touches the bindings goes
through `autoshard.ir`.
"""

__version__ = "0.1.0"
