"""Per-op sharding rules, written as factor (loop-space) descriptions.

`rule_for(op)` returns a `FactorRule` or None (no rule: the op stays
replicated and the tools list it)."""

from autoshard.rules.factor import Factor, FactorRule, OpInfo, TensorInfo  # noqa: F401
from autoshard.rules.tosa import RULES, dense_roles, rule_for  # noqa: F401
