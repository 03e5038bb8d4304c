"""The dataflow graph of one function, with its sharding annotations, read
from MLIR once; the planner and the rewriters work from it."""

from autoshard.graph.build import Annotation, FuncGraph, OpNode, ValueNode, build_graph, find_grid  # noqa: F401
