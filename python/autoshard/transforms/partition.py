"""`autoshard-partition`: rewrite an annotated module to SPMD form.

Every function is rebuilt: arguments and results get their local types (the
layout of an argument is its producer annotation `shard.shard %arg to S`,
replicated when there is none; a result's is the last annotation on the
returned value), every op works on local shapes under the strategy its
operands' annotations imply (`FactorRule.infer_strategy`), and every change of
layout -- along an annotation chain, into an op's strategy, out of a partial
result -- becomes the collectives `plan_reshard` lists.  Ops without a rule run
replicated on gathered operands.  Each argument and result records its global
type and layout in `autoshard.*` attributes, which `autoshard-verify` reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from autoshard.diagnostics import AutoshardError
from autoshard.graph import build_graph
from autoshard.ir import func, ir
from autoshard.rules import rule_for
from autoshard.sharding import Sharding
from autoshard.sharding.ir_convert import boundary_attrs
from autoshard.sharding.reshard import ReshardError, plan_reshard
from autoshard.transforms.base import Pass, PipelineState, register_pass
from autoshard.transforms.common import entry_functions, grid_or_error, resolve_grid

_STRUCTURAL_ATTRS = ("function_type", "arg_attrs", "res_attrs", "sym_name")
# Ops whose operand k is their (global) result shape.
_SHAPE_OPERAND = {"tosa.reshape": 1}


def _const_shape(shape, loc) -> ir.Value:
    n = len(shape)
    values = ", ".join(str(s) for s in shape)
    op = ir.Operation.create(
        "tosa.const_shape",
        results=[ir.Type.parse(f"!tosa.shape<{n}>")],
        attributes={"values": ir.Attribute.parse(f"dense<[{values}]> : tensor<{n}xindex>")},
        loc=loc,
    )
    return op.results[0]


def _tensor_type(shape, elem_type) -> ir.Type:
    return ir.RankedTensorType.get(list(shape), elem_type)


class _Emitter:
    """Emits collectives for layout changes at the current insertion point."""

    def __init__(self, grid):
        self.grid = grid

    def _index(self, v: int):
        return ir.IntegerAttr.get(ir.IndexType.get(), v)

    def reshard(self, value, shape, src: Sharding, dst: Sharding, loc):
        if src == dst:
            return value
        try:
            steps = plan_reshard(self.grid, shape, src, dst)
        except ReshardError:
            raise AutoshardError(f"cannot reshard a value from {src} to {dst}", loc) from None
        elem = ir.RankedTensorType(value.type).element_type
        for st in steps:
            out_type = _tensor_type(st.after.local_shape(self.grid, shape), elem)
            attrs = {
                "grid": ir.FlatSymbolRefAttr.get(self.grid.name),
                "grid_axes": ir.DenseI16ArrayAttr.get(list(st.axes)),
            }
            if st.kind == "all_gather":
                attrs["gather_axis"] = self._index(st.dim)
            elif st.kind == "all_slice":
                attrs["slice_axis"] = self._index(st.dim)
            elif st.kind == "all_reduce":
                attrs["reduction"] = ir.Attribute.parse(f"#shard<partial {st.reduction}>")
            elif st.kind == "reduce_scatter":
                attrs["reduction"] = ir.Attribute.parse(f"#shard<partial {st.reduction}>")
                attrs["scatter_axis"] = self._index(st.dim)
            elif st.kind == "all_to_all":
                attrs["split_axis"] = self._index(st.dim)
                attrs["concat_axis"] = self._index(st.concat_dim)
            op = ir.Operation.create(f"shard.{st.kind}", results=[out_type], operands=[value], attributes=attrs, loc=loc)
            value = op.results[0]
        return value


def _producer_annotation(graph, vid):
    for op_id, k in graph.values[vid].users:
        chain = graph.ops[op_id].chains[k]
        if chain and not chain[0].for_users:
            return chain[0].sharding
    return None


def partition_function(func_op, grid) -> list:
    """Rebuilds `func_op` in SPMD form; returns the correspondence of
    original and SPMD op positions (see PipelineState.correspondence)."""
    graph = build_graph(func_op, grid)
    positions = {o.operation: i for i, o in enumerate(func_op.regions[0].blocks[0].operations)}
    correspondence: list = []
    emit = _Emitter(grid)
    replicated = Sharding(grid.name)
    env: dict[int, tuple] = {}  # value id -> (new ir.Value, layout)

    with func_op.context, func_op.location:
        arg_layouts, arg_types = _arg_layouts(graph, grid, replicated)
        _rebuild(func_op, graph, grid, emit, env, arg_layouts, arg_types, positions, correspondence)
    func_op.erase()
    return correspondence


def _arg_layouts(graph, grid, replicated):
    arg_layouts, arg_types = [], []
    for v in graph.values:
        if v.producer is not None:
            continue
        if v.tensor is None:
            arg_layouts.append(None)
            arg_types.append(v.value.type)
            continue
        sh = _producer_annotation(graph, v.id) or replicated
        arg_layouts.append(sh)
        arg_types.append(_tensor_type(sh.local_shape(grid, v.tensor.shape), ir.RankedTensorType(v.value.type).element_type))
    return arg_layouts, arg_types


def _rebuild(func_op, graph, grid, emit, env, arg_layouts, arg_types, positions, correspondence):
    replicated = Sharding(grid.name)
    if True:
        with ir.InsertionPoint(func_op):
            new_func = func.FuncOp(graph.name, ir.FunctionType.get(arg_types, []), loc=func_op.location)
        entry = new_func.add_entry_block()
        for v, arg in zip([v for v in graph.values if v.producer is None], entry.arguments):
            env[v.id] = (arg, arg_layouts[v.arg_index])

        result_layouts = []
        with ir.InsertionPoint(entry):
            for op in graph.ops:
                loc = op.loc

                def operand(k, target):
                    vid, chain = op.operands[k], op.chains[k]
                    value, cur = env[vid]
                    t = graph.values[vid].tensor
                    if t is None or cur is None:
                        return value
                    for ann in chain:
                        value = emit.reshard(value, t.shape, cur, ann.sharding, ann.loc)
                        cur = ann.sharding
                    return emit.reshard(value, t.shape, cur, target, loc)

                if op is graph.return_op:
                    outs = []
                    for k, vid in enumerate(op.operands):
                        t = graph.values[vid].tensor
                        if t is None:
                            outs.append(operand(k, None))
                            result_layouts.append(None)
                            continue
                        chain = op.chains[k]
                        target = chain[-1].sharding if chain else env[vid][1]
                        outs.append(operand(k, target))
                        result_layouts.append(target)
                    func.ReturnOp(outs, loc=loc)
                    continue

                rule = rule_for(op.info) if op.name != "tosa.const" else None
                tensors = [graph.values[r].tensor for r in op.results]
                if rule is None:
                    operands = [operand(k, replicated) for k in range(len(op.operands))]
                    result_types = [r.type for r in op.op.results]
                    layouts = [replicated if t is not None else None for t in tensors]
                else:
                    seen = []
                    for vid, chain in zip(op.operands, op.chains):
                        if graph.values[vid].tensor is None:
                            seen.append(None)
                        else:
                            seen.append(chain[-1].sharding if chain else env[vid][1])
                    res_ann = _producer_annotation(graph, op.results[0]) if op.results else None
                    strat = rule.infer_strategy(grid, seen, res_ann)
                    operands = [
                        operand(k, rule.operand_sharding(grid, strat, k) if k < len(rule.operands) else replicated)
                        for k in range(len(op.operands))
                    ]
                    layouts = [rule.result_sharding(grid, strat, i) for i in range(len(op.results))]
                    result_types = [
                        _tensor_type(sh.local_shape(grid, t.shape), ir.RankedTensorType(r.type).element_type)
                        for sh, t, r in zip(layouts, tensors, op.op.results)
                    ]
                    if op.name in _SHAPE_OPERAND:
                        # The op takes its result shape as an operand: give it the local one.
                        k = _SHAPE_OPERAND[op.name]
                        operands[k] = _const_shape(layouts[0].local_shape(grid, tensors[0].shape), loc)
                attrs = {na.name: na.attr for na in (op.op.attributes[i] for i in range(len(op.op.attributes)))}
                new_op = ir.Operation.create(op.name, results=result_types, operands=operands, attributes=attrs, loc=loc)
                for i, (vid, sh) in enumerate(zip(op.results, layouts)):
                    if sh is not None:
                        correspondence.append((positions[op.op], i, new_op, sh))
                    value = new_op.results[i]
                    t = graph.values[vid].tensor
                    if t is not None:
                        ann = _producer_annotation(graph, vid)
                        if ann is not None and ann != sh:
                            value = emit.reshard(value, t.shape, sh, ann, loc)
                            sh = ann
                    env[vid] = (value, sh)

        _erase_dead_shapes(entry)
        # Positions only now that the block is final.
        new_positions = {o.operation: i for i, o in enumerate(entry.operations)}
        correspondence[:] = [(o, i, new_positions[p], sh) for o, i, p, sh in correspondence]
        ret = entry.operations[len(entry.operations) - 1]
        result_types = [v.type for v in ret.operands]
        new_func.attributes["function_type"] = ir.TypeAttr.get(ir.FunctionType.get(arg_types, result_types))
        for key in (na.name for na in (func_op.attributes[i] for i in range(len(func_op.attributes)))):
            if key not in _STRUCTURAL_ATTRS:
                new_func.attributes[key] = func_op.attributes[key]
        old_arg_attrs = list(func_op.attributes["arg_attrs"]) if "arg_attrs" in func_op.attributes else None
        old_res_attrs = list(func_op.attributes["res_attrs"]) if "res_attrs" in func_op.attributes else None
        old_type = ir.FunctionType(ir.TypeAttr(func_op.attributes["function_type"]).value)
        new_func.attributes["arg_attrs"] = _boundary_array(graph, arg_layouts, old_type.inputs, old_arg_attrs)
        new_func.attributes["res_attrs"] = _boundary_array(graph, result_layouts, old_type.results, old_res_attrs)


def _erase_dead_shapes(block) -> None:
    """The global shape constants that local ones replaced."""
    for op in list(block.operations):
        op = op.operation
        if op.name == "tosa.const_shape" and not list(op.results[0].uses):
            op.erase()


def _boundary_array(graph, layouts, global_types, old):
    dicts = []
    for i, (sh, gt) in enumerate(zip(layouts, global_types)):
        entries = {}
        if old is not None:
            d = ir.DictAttr(old[i])
            for j in range(len(d)):
                na = d[j]
                entries[na.name] = na.attr
        if sh is not None:
            entries.update(boundary_attrs(sh, gt))
        dicts.append(ir.DictAttr.get(entries))
    return ir.ArrayAttr.get(dicts)


@register_pass
@dataclass(frozen=True)
class PartitionPass(Pass):
    name = "autoshard-partition"
    summary = "Rewrite an annotated module to SPMD form with local shapes and explicit collectives"

    grid: str = field(default="", metadata={"help": "grid shape when the module has no shard.grid"})

    def run(self, module, state: PipelineState) -> None:
        grid = grid_or_error(resolve_grid(module, self.grid, create=True), module)
        if state.original_text is None:
            state.original_text = module.operation.get_asm(enable_debug_info=True)
        for func_op in entry_functions(module):
            name = ir.StringAttr(func_op.attributes["sym_name"]).value
            state.correspondence[name] = partition_function(func_op, grid)
