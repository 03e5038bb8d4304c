"""FuncGraph -> solver Problem, and the solver's Solution -> a Plan (the
resolved sharding of every value and the strategy of every op)."""

from autoshard.planner.builder import Plan, PlanProblem, build_problem, decode  # noqa: F401
