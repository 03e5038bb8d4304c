"""Writing a Plan back into a function as `shard.shard` annotations.

After this, every tensor value `v` is followed by `shard.shard v to S` (its
resolved layout, S from the plan) and every consumer that needs another layout
reads it through `shard.shard ... annotate_for_users` ops: first the user's own
annotations from the input, in order, where they differ, or the plan's
shared read layout (one op that every consumer reads through: the value is
resharded once, planner/reads.py), then the layout the consumer's strategy
needs.  Distinct shardings are `shard.sharding` ops at the
top of the function, in order of first use; a sharding that splits a
dimension unevenly is written with the `sharded_dims_offsets` of the tensor
it annotates (one op per distinct list).
"""

from __future__ import annotations

from autoshard.graph import FuncGraph
from autoshard.ir import ir
from autoshard.planner import Plan
from autoshard.planner.builder import operand_requirement
from autoshard.sharding import Sharding
from autoshard.sharding.ir_convert import build_shard_op, build_sharding_op, flat_offsets


def strip_annotations(func_op) -> None:
    """Removes every shard.shard / shard.sharding op, rewiring users to the
    annotated value."""
    block = func_op.regions[0].blocks[0]
    for op in list(block.operations):
        op = op.operation
        if op.name == "shard.shard":
            op.results[0].replace_all_uses_with(op.operands[0])
            op.erase()
    for op in list(block.operations):
        op = op.operation
        if op.name == "shard.sharding":
            op.erase()


def write_plan(graph: FuncGraph, plan: Plan) -> None:
    """Annotates graph.func with the plan; graph must have been built from the
    function as it is now (with the input's annotations, which are replaced)."""
    func_op = graph.func
    grid = graph.grid
    block = func_op.regions[0].blocks[0]
    # What each consumer operand needs, computed before the IR changes.
    needs: list[tuple] = []  # (op, operand index, base value id, chain shardings, required)
    # Copies of one op (chained blocks) share their rule and strategies:
    # each distinct requirement, and each sharding's offsets per shape, once.
    requirements: dict[tuple, Sharding] = {}
    for op in graph.ops:
        rule, strat = plan.op_strategy.get(op.id, (None, None))
        for k, (vid, chain) in enumerate(zip(op.operands, op.chains)):
            if graph.values[vid].tensor is None or vid not in plan.value_sharding:
                continue
            if op is graph.return_op:
                req = plan.return_sharding[k]
            else:
                rkey = (id(rule), strat, k)  # rules live as long as the plan
                req = requirements.get(rkey)
                if req is None:
                    req = requirements[rkey] = operand_requirement(rule, grid, strat, k)
            needs.append((op.op, k, vid, [a.sharding for a in chain], req))
    strip_annotations(func_op)

    with func_op.context:
        loc = func_op.location
        # 1. One shard.sharding op per distinct sharding, at the top, in order of first use.
        assert grid is not None  # a plan is made on a grid
        offsets_of: dict[tuple, tuple] = {}

        def key(sh: Sharding, vid: int) -> tuple:
            t = graph.values[vid].tensor
            shape = t.shape if t is not None else None
            found = offsets_of.get((sh, shape))
            if found is None:
                found = offsets_of[(sh, shape)] = (sh, tuple(flat_offsets(sh, grid, shape)))
            return found

        first_use: dict[tuple, None] = {}  # insertion-ordered: the order of first use
        for v in graph.values:
            if v.id in plan.value_sharding:
                first_use.setdefault(key(plan.value_sharding[v.id], v.id))
        for _, _, vid, chain, req in needs:
            first = [plan.read_sharding[vid]] if vid in plan.read_sharding and not chain else []
            for sh in first + chain + ([req] if req is not None else []):
                first_use.setdefault(key(sh, vid))
        order = list(first_use)
        sharding_values: dict[tuple, ir.Value] = {}
        with ir.InsertionPoint.at_block_begin(block), loc:
            for sh, offsets in order:
                sharding_values[(sh, offsets)] = build_sharding_op(sh, loc, list(offsets))

        # 2. Producer annotations: arguments right after the shardings, op
        #    results right after their op.
        annotated: dict[int, ir.Value] = {}
        after = sharding_values[order[-1]].owner.operation if order else None
        for v in graph.values:
            if v.id not in plan.value_sharding:
                continue
            sval = sharding_values[key(plan.value_sharding[v.id], v.id)]
            if v.producer is None:
                with ir.InsertionPoint.after(after), loc:
                    new = build_shard_op(v.value, sval, False, loc)
                after = new.owner.operation
            else:
                def_op = graph.ops[v.producer].op
                with ir.InsertionPoint.after(def_op), def_op.location:
                    new = build_shard_op(v.value, sval, False, def_op.location)
            v.value.replace_all_uses_except(new, new.owner.operation)
            annotated[v.id] = new

        # 3. Consumer annotations: the input's own chain, or the shared read
        #    layout (one op for every consumer, before the first), then what
        #    the consumer needs.
        shared_reads: dict[int, ir.Value] = {}
        for op, k, vid, chain, req in needs:
            current = plan.value_sharding[vid]
            value = annotated[vid]
            shared = plan.read_sharding.get(vid) if not chain else None
            if shared is not None and shared != current:
                if vid not in shared_reads:
                    with ir.InsertionPoint(op), op.location:
                        shared_reads[vid] = build_shard_op(value, sharding_values[key(shared, vid)], True, op.location)
                value, current = shared_reads[vid], shared
            for want in chain + ([req] if req is not None else []):
                if want == current:
                    continue
                with ir.InsertionPoint(op), op.location:
                    value = build_shard_op(value, sharding_values[key(want, vid)], True, op.location)
                current = want
            op.operands[k] = value
