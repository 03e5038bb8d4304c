"""Structure-aware mutations of IOPDDL problem files, and generated problems.

A problem is mutated as a JSON tree (a value replaced by a boundary number,
a wrong type, a list shortened or lengthened, a key removed) or as text
(truncated, a byte changed), so that both the checker of the content and
the JSON reader are exercised.
"""

from __future__ import annotations

import copy
import json
import random

BOUNDARY_VALUES = [0, -1, 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**18, 10**30,
                   0.5, 1e308, -0.0, True, False, None, "7", [], {}, [1, 2], [[0, 1]]]


def generated(rng: random.Random, n: int | None = None) -> dict:
    """A random valid problem: n nodes, a chain plus random edges."""
    n = n if n is not None else rng.randint(1, 30)
    ks = [rng.randint(1, 4) for _ in range(n)]
    edges = [[i, i + 1] for i in range(n - 1)] + [[rng.randrange(n), rng.randrange(n)] for _ in range(rng.randint(0, n))]
    doc = {"problem": {
        "name": "fuzz",
        "nodes": {"intervals": [[s, s + rng.randint(0, 5)] for s in (rng.randint(0, n) for _ in range(n))],
                  "costs": [[rng.randint(0, 1000) for _ in range(k)] for k in ks],
                  "usages": [[rng.randint(0, 100) for _ in range(k)] for k in ks]},
        "edges": {"nodes": edges,
                  "costs": [[rng.choice([rng.randint(0, 500), 10**18]) for _ in range(ks[u] * ks[v])] for u, v in edges]},
    }}
    if rng.random() < 0.7:
        doc["problem"]["usage_limit"] = rng.randint(0, 400)
    return doc


def _paths(node, prefix=()):
    """Every (path, value) of the JSON tree."""
    yield prefix, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node[:50]):  # big lists: their head is enough
            yield from _paths(v, prefix + (i,))


def _set(doc, path, value):
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def replace_value(doc, rng):
    paths = [p for p, _ in _paths(doc) if p]
    if not paths:  # an earlier mutation left a scalar
        return doc
    _set(doc, rng.choice(paths), copy.deepcopy(rng.choice(BOUNDARY_VALUES)))
    return doc


def remove_key(doc, rng):
    dict_paths = [(p, v) for p, v in _paths(doc) if isinstance(v, dict) and v]
    if not dict_paths:
        return doc
    path, target = rng.choice(dict_paths)
    del target[rng.choice(list(target))]
    return doc


def resize_list(doc, rng):
    list_paths = [v for _, v in _paths(doc) if isinstance(v, list)]
    if not list_paths:
        return doc
    target = rng.choice(list_paths)
    if target and rng.random() < 0.5:
        del target[rng.randrange(len(target))]
    else:
        target.append(copy.deepcopy(target[rng.randrange(len(target))]) if target else 0)
    return doc


def huge_numbers(doc, rng):
    """Costs, usages or limit at the 64-bit edge (sums overflow there)."""
    p = doc.get("problem") if isinstance(doc, dict) else None
    if not isinstance(p, dict):
        return doc
    value = rng.choice([2**62, 2**63 - 1, 10**18, 10**17])
    choice = rng.randrange(3)
    nodes = p.get("nodes")
    if choice == 0 and isinstance(nodes, dict) and isinstance(nodes.get("costs"), list):
        nodes["costs"] = [[value] * len(c) if isinstance(c, list) else c for c in nodes["costs"]]
    elif choice == 1 and isinstance(nodes, dict) and isinstance(nodes.get("usages"), list):
        nodes["usages"] = [[value] * len(u) if isinstance(u, list) else u for u in nodes["usages"]]
    else:
        p["usage_limit"] = value
    return doc


TREE_MUTATORS = [(replace_value, 4), (remove_key, 1), (resize_list, 2), (huge_numbers, 1)]


def mutate_problem(doc: dict, rng: random.Random) -> tuple[bytes, list[str]]:
    """A mutated problem file's bytes and the mutations' names."""
    doc = copy.deepcopy(doc)
    functions, weights = zip(*TREE_MUTATORS)
    names = []
    for _ in range(rng.choice([1, 1, 2])):
        fn = rng.choices(functions, weights)[0]
        doc = fn(doc, rng)
        names.append(fn.__name__)
    text = json.dumps(doc, indent=rng.choice([None, 1]))
    if rng.random() < 0.15:
        text = text[: rng.randrange(len(text) + 1)]
        names.append("truncate")
    elif rng.random() < 0.1:
        at = rng.randrange(len(text)) if text else 0
        text = text[:at] + rng.choice(["x", "]", "{", "\"", ",", "\x00"]) + text[at + 1:]
        names.append("byte")
    return text.encode(), names


SOLVE_OPTIONS = [
    [], ["--threads", "1"], ["--seed", "3"], ["--time-limit", "nan"], ["--time-limit", "inf"],
    ["--time-limit", "1e308"], ["--time-limit", "abc"], ["--time-limit", "-2"], ["--threads", "0"],
    ["--threads", "x"], ["--bogus"], ["--time-limit"],
]
