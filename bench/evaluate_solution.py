"""An IOPDDL solution checker written from the format description alone; it
imports nothing from autoshard, so it checks the solver independently.

    python bench/evaluate_solution.py PROBLEM.json[.gz] SOLUTION.json

Prints cost (node costs + edge costs at s_u * k_v + s_v), peak usage (sum of
the chosen usages of the nodes live at each time, intervals half-open), the
limit, and whether the answer is feasible and free of forbidden (>= 1e15)
choices; exits 1 if it is not.
"""

import gzip
import json
import sys


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        return json.load(f)


def main(problem_path: str, solution_path: str) -> int:
    problem = load(problem_path)["problem"]
    choice = load(solution_path)["solution"]
    nodes, edges = problem["nodes"], problem["edges"]
    if len(choice) != len(nodes["intervals"]):
        print(f"solution has {len(choice)} entries for {len(nodes['intervals'])} nodes")
        return 1
    cost = sum(nodes["costs"][i][s] for i, s in enumerate(choice))
    forbidden = any(nodes["costs"][i][s] >= 10**15 for i, s in enumerate(choice))
    for (u, v), matrix in zip(edges["nodes"], edges["costs"]):
        c = matrix[choice[u] * len(nodes["costs"][v]) + choice[v]]
        cost += c
        forbidden |= c >= 10**15
    delta = {}
    for i, (start, end) in enumerate(nodes["intervals"]):
        if start < end:
            delta[start] = delta.get(start, 0) + nodes["usages"][i][choice[i]]
            delta[end] = delta.get(end, 0) - nodes["usages"][i][choice[i]]
    peak = live = 0
    for t in sorted(delta):
        live += delta[t]
        peak = max(peak, live)
    limit = problem.get("usage_limit")
    feasible = (limit is None or peak <= limit) and not forbidden
    print(f"cost {cost}  peak {peak}  limit {limit}  feasible {feasible}")
    return 0 if feasible else 1


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
