"""`autoshard-partition`: rewrite an annotated module to SPMD form.

Every function is rebuilt: arguments and results get their local types (the
layout of an argument is its producer annotation `shard.shard %arg to S`,
replicated when there is none; a result's is the last annotation on the
returned value), every op works on local shapes under the strategy its
operands' annotations imply (`FactorRule.infer_strategy`), and every change of
layout -- along an annotation chain, into an op's strategy, out of a partial
result -- becomes the collectives `plan_reshard` lists; the local computation
of each op comes from `rules.local.lower` (halo exchanges, device offsets).
Ops without a rule run replicated on gathered operands.  Each argument and result records its global
type and layout in `autoshard.*` attributes, and the function as it was is
kept in the module as the private `@autoshard.original.<name>`: all that
`autoshard-verify` (in this process or a later one) needs is in the IR.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from autoshard.diagnostics import AutoshardError
from autoshard.graph import build_graph
from autoshard.ir import func, ir
from autoshard.ir.linalg import outer_values
from autoshard.planner.builder import cycle_collection_paused
from autoshard.rules import rule_for
from autoshard.rules.constant_like import is_splat_constant, splat_is_local
from autoshard.rules.local import LocalBuilder, lower
from autoshard.sharding import Sharding
from autoshard.sharding.ir_convert import boundary_attrs, build_sharding_op, flat_offsets
from autoshard.transforms.base import Pass, PipelineState, register_pass
from autoshard.transforms.common import (
    ORIGINAL_OF,
    ORIGINAL_PREFIX,
    entry_functions,
    function_grid,
    grid_or_error,
    originals,
    resolve_grid,
)
from autoshard.transforms.reshard_ir import Emitter, tensor_type
from autoshard.transforms.strict_check import check_fully_annotated

_STRUCTURAL_ATTRS = ("function_type", "arg_attrs", "res_attrs", "sym_name")


def _producer_annotation(graph, vid):
    for op_id, k in graph.values[vid].users:
        chain = graph.ops[op_id].chains[k]
        if chain and not chain[0].for_users:
            return chain[0].sharding
    return None


def partition_function(func_op, grid) -> None:
    """Builds the SPMD form of `func_op` in front of it, under its name, and
    keeps `func_op` as the private `@autoshard.original.<name>` that
    autoshard-verify compares against (transforms/common.ORIGINAL_OF)."""
    name = ir.StringAttr(func_op.attributes["sym_name"]).value
    with func_op.context, func_op.location:
        _Partitioner(func_op, grid).run()
        func_op.attributes["sym_name"] = ir.StringAttr.get(ORIGINAL_PREFIX + name)
        func_op.attributes["sym_visibility"] = ir.StringAttr.get("private")
        func_op.attributes[ORIGINAL_OF] = ir.StringAttr.get(name)


def spmd_layouts(func_op, grid) -> dict:
    """For a function as it was before autoshard-partition: the position of
    each op -> the layouts autoshard-partition gives its results."""
    with func_op.context, func_op.location:
        return _Partitioner(func_op, grid).layouts()


def _attributes(op) -> dict:
    return {na.name: na.attr for na in (op.attributes[i] for i in range(len(op.attributes)))}


class _Partitioner:
    """Builds the SPMD twin of one function next to it, op by op."""

    def __init__(self, func_op, grid) -> None:
        self.func_op = func_op
        self.grid = grid
        self.graph = build_graph(func_op, grid)
        self.emit = Emitter(grid)
        self.replicated = Sharding(grid.name)
        self.env: dict[int, tuple] = {}  # value id -> (new ir.Value, its layout)
        self.resharded: dict = {}  # (value id, annotation chain, layout) -> resharded ir.Value
        self.positions = {o.operation: i for i, o in enumerate(func_op.regions[0].blocks[0].operations)}
        self.result_layouts: list = []
        # The copies of one op in chained blocks arrive with the same OpInfo
        # and operand layouts: its rule, strategy, result layouts and operand
        # targets are decided once (`_decide`), and each local type is made once.
        self._rules: dict = {}
        self._decisions: dict = {}
        self._types: dict = {}

    # -- layouts ---------------------------------------------------------------
    def _arg_layouts(self):
        layouts: list = []
        types: list = []
        for v in self.graph.values:
            if v.producer is not None:
                continue
            if v.tensor is None:
                layouts.append(None)
                types.append(v.value.type)
                continue
            sh = _producer_annotation(self.graph, v.id) or self.replicated
            layouts.append(sh)
            types.append(self._local_type(v.value.type, sh, v.tensor.shape))
        return layouts, types

    def _local_type(self, global_type, sh, shape):
        key = (global_type, sh, shape)
        found = self._types.get(key)
        if found is None:
            found = self._types[key] = tensor_type(sh.spmd_shape(self.grid, shape),
                                                   ir.RankedTensorType(global_type).element_type)
        return found

    def _operand(self, op, k, target):
        """Operand k of `op`, resharded along its annotation chain, then to `target`."""
        vid, chain = op.operands[k], op.chains[k]
        value, cur = self.env[vid]
        t = self.graph.values[vid].tensor
        if t is None or cur is None:
            return value
        # Every layout along the chain is made once and kept for the later
        # consumers whose chains start the same way (this straight-line
        # block's first consumer dominates the others): a shared read layout
        # (planner/reads.py) is resharded once, then per consumer from it.
        prefix: tuple = ()
        for sh in [a.sharding for a in chain] + [target]:
            prefix += (sh,)
            key = (vid, prefix)
            if key not in self.resharded:
                loc = op.loc if len(prefix) > len(chain) else chain[len(prefix) - 1].loc
                self.resharded[key] = self.emit.reshard(value, t.shape, cur, sh, loc)
            value, cur = self.resharded[key], sh
        return value

    def _seen(self, op):
        """The layout each operand is annotated to reach the op with."""
        out: list = []
        for vid, chain in zip(op.operands, op.chains):
            if self.graph.values[vid].tensor is None:
                out.append(None)
            else:
                out.append(chain[-1].sharding if chain else self.env[vid][1])
        return out

    # -- ops ---------------------------------------------------------------------
    def _return(self, op):
        outs = []
        for k, vid in enumerate(op.operands):
            if self.graph.values[vid].tensor is None:
                outs.append(self._operand(op, k, None))
                self.result_layouts.append(None)
                continue
            chain = op.chains[k]
            target = chain[-1].sharding if chain else self.env[vid][1]
            outs.append(self._operand(op, k, target))
            self.result_layouts.append(target)
        func.ReturnOp(outs, loc=op.loc)

    def _plan(self, op):
        """(rule, strategy, result layouts) of `op` in the SPMD program."""
        rule, strat, layouts, _ = self._decide(op)
        return rule, strat, list(layouts)

    def _rule(self, op):
        # A constant is materialized whole and sliced (no communication).
        if op.name == "tosa.const":
            return None
        try:
            if op.info not in self._rules:
                self._rules[op.info] = rule_for(op.info)
            return self._rules[op.info]
        except TypeError:  # an attribute value that does not hash
            return rule_for(op.info)

    def _decide(self, op) -> tuple:
        """(rule, strategy, result layouts, per operand the layout it is
        needed in) of `op`: functions of its OpInfo, the layouts its
        operands arrive in and its result's annotation alone."""
        rule = self._rule(op)
        if rule is None:
            tensors = [self.graph.values[r].tensor for r in op.results]
            return None, None, [self.replicated if t is not None else None for t in tensors], \
                [self.replicated] * len(op.operands)
        res_ann = _producer_annotation(self.graph, op.results[0]) if op.results else None
        seen = self._seen(op)
        key: tuple | None = (op.info, tuple(seen), res_ann)
        try:
            found = self._decisions.get(key)
        except TypeError:  # an attribute value that does not hash
            found, key = None, None
        if found is None:
            strat = rule.infer_strategy(self.grid, seen, res_ann)
            carried = _carried(rule, strat, seen)
            layouts = [_with_carried(rule.result_sharding(self.grid, strat, i), rule.results[i], carried)
                       for i in range(len(op.results))]
            targets = [self.replicated if k >= len(rule.operands) else
                       _with_carried(rule.operand_sharding(self.grid, strat, k), rule.operands[k], carried)
                       for k in range(len(op.operands))]
            found = (rule, strat, layouts, targets)
            if key is not None:
                self._decisions[key] = found
        return found

    def _after(self, vid, value, sh, loc):
        """Record result `vid` (in layout `sh`), resharded to its producer
        annotation when it has one; returns the value in that layout."""
        t = self.graph.values[vid].tensor
        ann = _producer_annotation(self.graph, vid) if t is not None else None
        if ann is not None and ann != sh:
            value = self.emit.reshard(value, t.shape, sh, ann, loc) if value is not None else None
            sh = ann
        self.env[vid] = (value, sh)

    def layouts(self) -> dict:
        """Position of each op in the block -> the layout of each of its
        results in the SPMD program, without building it (what
        autoshard-verify compares intermediate values in)."""
        arg_layouts, _ = self._arg_layouts()
        for v in self.graph.values:
            if v.producer is None:
                self.env[v.id] = (None, arg_layouts[v.arg_index])
        out = {}
        for op in self.graph.ops:
            if op is self.graph.return_op:
                continue
            _, _, layouts = self._plan(op)
            if self._splat_layout(op) is not None:
                layouts = [self._splat_layout(op)]
            out[self.positions[op.op]] = layouts
            for vid, sh in zip(op.results, layouts):
                self._after(vid, None, sh, op.loc)
        return out

    def _op(self, op):
        grid = self.grid
        if op.name == "shard.get_sharding":
            # The operand's layout in the SPMD program, as upstream resolves it.
            vid = op.operands[0]
            chain = op.chains[0]
            layout = (chain[-1].sharding if chain else self.env[vid][1]) or self.replicated
            t = self.graph.values[vid].tensor
            offsets = flat_offsets(layout, grid, t.shape if t is not None else None)
            self.env[op.results[0]] = (build_sharding_op(layout, op.loc, offsets), None)
            return
        if self._local_splat(op):
            return
        rule, strat, layouts, targets = self._decide(op)
        tensors = [self.graph.values[r].tensor for r in op.results]
        if rule is None:
            operands = [self._operand(op, k, self.replicated) for k in range(len(op.operands))]
            result_types = [r.type for r in op.op.results]
        else:
            operands = [self._operand(op, k, targets[k]) for k in range(len(op.operands))]
            result_types = [self._local_type(r.type, sh, t.shape) for sh, t, r in zip(layouts, tensors, op.op.results)]
        builder = LocalBuilder(grid, op.loc, op.op, self._captured(op.op))
        if rule is None and len(op.op.regions):
            new_values = builder.clone_source(operands, result_types)
        elif rule is None:
            new_values = list(ir.Operation.create(op.name, results=result_types, operands=operands,
                                                  attributes=_attributes(op.op), loc=op.loc).results)
        else:
            new_values = lower(builder, op.info, rule, strat, operands, result_types, _attributes(op.op))
        if op.name == "tosa.const" and self._const_block(op, new_values[0]):
            return
        for vid, value, sh in zip(op.results, new_values, layouts):
            self._after(vid, value, sh, op.loc)

    def _const_block(self, op, whole) -> bool:
        """A dense constant, materialised whole, cut to its annotated layout
        by one `tensor.extract_slice` at this device's block offsets (one
        copy: per-dimension all_slices would hold an intermediate block
        beside the whole constant)."""
        vid = op.results[0]
        t = self.graph.values[vid].tensor
        layout = _producer_annotation(self.graph, vid)
        if t is None or layout is None or layout.is_replicated or not splat_is_local(self.grid, layout, t.shape) \
                or any(self.grid.shape[a] < 0 for a in layout.split_axis_set):
            return False
        local = list(layout.local_shape(self.grid, t.shape))
        b = LocalBuilder(self.grid, op.loc)
        offsets = [b.block_offset(layout.dim_axes(d), local[d]) if layout.dim_axes(d) else 0 for d in range(len(local))]
        self.env[vid] = (b.extract_slice(whole, offsets, local), layout)
        return True

    def _splat_layout(self, op):
        """The annotated layout a splat constant is written in locally, or None."""
        if not is_splat_constant(op) or not op.results:
            return None
        t = self.graph.values[op.results[0]].tensor
        layout = _producer_annotation(self.graph, op.results[0])
        if t is None or layout is None or not splat_is_local(self.grid, layout, t.shape):
            return None
        return layout

    def _local_splat(self, op) -> bool:
        """A splat `tosa.const` is written directly in its annotated local
        shape (the same on every device); a dense one is materialised whole
        and sliced by `_after` (its blocks differ per device, and the SPMD
        program is one for all of them)."""
        layout = self._splat_layout(op)
        if layout is None:
            return False
        vid = op.results[0]
        t = self.graph.values[vid].tensor
        attr = ir.DenseElementsAttr(op.op.attributes["values"])
        local_type = self._local_type(op.op.results[0].type, layout, t.shape)
        splat = ir.DenseElementsAttr.get_splat(local_type, attr.get_splat_value())
        value = ir.Operation.create("tosa.const", results=[local_type], operands=[],
                                    attributes={"values": splat}, loc=op.loc).results[0]
        self.env[vid] = (value, layout)
        return True

    def _captured(self, op) -> dict:
        """The values op's regions use from the function body -> their SPMD copies."""
        if not len(op.regions):
            return {}
        ids = {v.value: v.id for v in self.graph.values}
        return {v: self.env[ids[v]][0] for v in outer_values(op) if v in ids}

    # -- the function ------------------------------------------------------------
    def run(self) -> None:
        graph, func_op = self.graph, self.func_op
        arg_layouts, arg_types = self._arg_layouts()
        with ir.InsertionPoint(func_op):
            new_func = func.FuncOp(graph.name, ir.FunctionType.get(arg_types, []), loc=func_op.location)
        entry = new_func.add_entry_block()
        for v, arg in zip([v for v in graph.values if v.producer is None], entry.arguments):
            self.env[v.id] = (arg, arg_layouts[v.arg_index])
        with ir.InsertionPoint(entry):
            for op in graph.ops:
                if op is graph.return_op:
                    self._return(op)
                else:
                    self._op(op)
        _fold_empty_slices(entry)
        _erase_dead_shapes(entry)

        ret = entry.operations[len(entry.operations) - 1]
        new_func.attributes["function_type"] = ir.TypeAttr.get(
            ir.FunctionType.get(arg_types, [v.type for v in ret.operands]))
        old = _attributes(func_op)
        for key, attr in old.items():
            if key not in _STRUCTURAL_ATTRS:
                new_func.attributes[key] = attr
        old_type = ir.FunctionType(ir.TypeAttr(old["function_type"]).value)
        new_func.attributes["arg_attrs"] = _boundary_array(arg_layouts, old_type.inputs, old.get("arg_attrs"))
        new_func.attributes["res_attrs"] = _boundary_array(self.result_layouts, old_type.results, old.get("res_attrs"))


def _carried(rule, strat, seen) -> dict:
    """{factor: (offsets, halo)} for the pointwise factors whose every
    operand dimension arrives with the same explicit block boundaries or
    halo, split as the strategy splits it: the op then runs on those blocks
    as they are, and its result has them too (upstream's partition keeps
    halos through elementwise chains so)."""
    found: dict = {}
    refused: set = set()
    for dims, sh in zip(rule.operands, seen):
        if dims is None:
            continue
        for d, f in enumerate(dims):
            if f is None:
                continue
            layout = (sh.dim_offsets(d), sh.dim_halo(d)) if sh is not None else ((), (0, 0))
            ok = layout != ((), (0, 0)) and rule.pointwise(f) and sh.dim_axes(d) == strat[f]
            if not ok or found.get(f, layout) != layout:
                refused.add(f)
            else:
                found[f] = layout
    return {f: v for f, v in found.items() if f not in refused}


def _with_carried(sh, dims, carried):
    if not carried or dims is None:
        return sh
    offsets = tuple(carried[f][0] if f in carried else () for f in dims)
    halos = tuple(carried[f][1] if f in carried else (0, 0) for f in dims)
    return Sharding(sh.grid, sh.split_axes, sh.partial_axes, sh.partial_kind, offsets, halos)


def _fold_empty_slices(block) -> None:
    """A device's block of a `tensor.empty` is a local `tensor.empty`: an
    all_slice of one (an init whose layout its consumer chose) is replaced."""
    for op in list(block.operations):
        op = op.operation
        if op.name != "shard.all_slice":
            continue
        src = op.operands[0].owner
        src = src.operation if hasattr(src, "operation") else src
        if getattr(src, "name", None) != "tensor.empty" or len(src.operands):
            continue
        empty = ir.Operation.create("tensor.empty", results=[op.results[0].type], operands=[], loc=op.location,
                                    ip=ir.InsertionPoint(op))
        op.results[0].replace_all_uses_with(empty.results[0])
        op.erase()


def _erase_dead_shapes(block) -> None:
    """The global shape constants that local ones replaced, and the global
    `tensor.empty`s that local ones replaced."""
    for op in reversed(list(block.operations)):
        op = op.operation
        if op.name in ("tosa.const_shape", "tensor.empty") and not list(op.results[0].uses):
            op.erase()


def _boundary_array(layouts, global_types, old):
    dicts = []
    for i, (sh, gt) in enumerate(zip(layouts, global_types)):
        entries = {}
        if old is not None:
            d = ir.DictAttr(list(old)[i])
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
    upstream_strict: bool = field(default=False, metadata={
        "help": "reject what upstream's shard-partition rejects (IR not fully annotated), "
                "instead of completing the annotations"})

    def run(self, module, state: PipelineState) -> None:
        if self.upstream_strict:
            check_fully_annotated(module, state.source_name)
        default = grid_or_error(resolve_grid(module, self.grid, create=True), module)
        kept = originals(module)
        for func_op in entry_functions(module):
            name = ir.StringAttr(func_op.attributes["sym_name"]).value
            grid = function_grid(module, func_op, default)
            if name in kept:
                raise AutoshardError(f"@{name} is already partitioned (its original is kept as "
                                     f"@{ORIGINAL_PREFIX}{name})", func_op.location)
            with cycle_collection_paused():
                partition_function(func_op, grid)
