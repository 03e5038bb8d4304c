"""`autoshard-partition{upstream-strict=true}`: upstream's fully-annotated check.

Upstream's `shard-partition` does not complete annotations: it rejects a
block whose tensor arguments are not each used once, by a `shard.shard`, and
an op (other than a constant or a shard op) whose ranked, non-0-d tensor
operands are not `shard.shard ... annotate_for_users` results, or whose
results do not each have exactly one use, a `shard.shard` without
`annotate_for_users`.  It stops at the first violation of a function; so
does this check, but it checks every function of the module and reports one
located error per failing function, with upstream's message, on the op
upstream names (a block's errors on its function).  Like upstream, only the
blocks that contain a `shard.shard` are checked, and only their own ops
(not the bodies of ops with regions).
"""

from __future__ import annotations

from autoshard.ir import ir
from autoshard.ir.loader import Diag, DiagnosticsError, to_source_loc
from autoshard.rules.constant_like import CONSTANT_LIKE
from autoshard.transforms.common import functions, is_original

_SKIPPED = ("shard.sharding", "shard.shard")


def check_fully_annotated(module, source_name: str) -> None:
    """Raises a DiagnosticsError with one error per function upstream's
    shard-partition would reject; returns if it would accept them all."""
    errors = []
    for func_op in functions(module):
        if is_original(func_op):
            continue
        found = _function_violation(func_op)
        if found is not None:
            message, loc = found
            errors.append(Diag("error", message, to_source_loc(loc, source_name)))
    if errors:
        raise DiagnosticsError(errors)


def _function_violation(func_op):
    """(message, location) of the first violation in `func_op`, or None."""
    for number, block in enumerate(func_op.regions[0].blocks):
        ops = [op.operation for op in block.operations]
        if not any(op.name == "shard.shard" for op in ops):
            continue
        message = _block_violation(block, number)
        if message is not None:
            return message, func_op.location
        for op in ops:
            message = _op_violation(op)
            if message is not None:
                return message, op.location
    return None


def _annotated(value) -> bool:
    """Whether upstream requires `value` to be annotated: a ranked tensor of rank > 0."""
    t = value.type
    return isinstance(t, ir.RankedTensorType) and t.rank > 0


def _defining(value):
    owner = value.owner
    if isinstance(owner, ir.Block):
        return None
    return owner.operation if hasattr(owner, "operation") else owner


def _users(value) -> list:
    return [use.owner.operation if hasattr(use.owner, "operation") else use.owner for use in value.uses]


def _for_users(shard_op) -> bool:
    return "annotate_for_users" in shard_op.attributes


def _block_violation(block, number: int) -> str | None:
    for k, arg in enumerate(block.arguments):
        if not _annotated(arg):
            continue
        users = _users(arg)
        if len(users) > 1:
            return f"Cannot partition: expected a single use for block argument {k} in block {number}"
        # An unused argument needs no annotation (upstream reads a user it does not have).
        if users and users[0].name != "shard.shard":
            return f"Cannot partition: expected a shard.shard op for block argument {k} in block {number}"
    return None


def _op_violation(op) -> str | None:
    if op.name in _SKIPPED or op.name in CONSTANT_LIKE:
        return None
    if op.name == "shard.get_sharding":
        src = _defining(op.operands[0])
        return None if src is not None and src.name == "shard.shard" else \
            "expected a shard op as source of get_sharding"
    for k, operand in enumerate(op.operands):
        if not _annotated(operand):
            continue
        src = _defining(operand)
        if src is None or src.name != "shard.shard":
            return f"Cannot partition: tensor operand {k} must be defined by a shard.shard operation."
        if not _for_users(src):
            return f"Cannot partition: shard.shard for operand {k} must set 'annotate_for_users'."
    for k, result in enumerate(op.results):
        users = _users(result)
        if len(users) != 1:
            return f"Cannot partition: result {k} must have exactly one use."
        if users[0].name != "shard.shard":
            return f"Cannot partition: user of result {k} must be shard.shard operation."
        if _for_users(users[0]):
            return f"Cannot partition: shard.shard for result {k} must not set 'annotate_for_users'."
    return None
