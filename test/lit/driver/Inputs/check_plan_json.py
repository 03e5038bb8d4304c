"""check_plan_json.py REPORT.json [OTHER.json]: the plan report has the
documented fields, consistent totals; with OTHER, both are equal except for
the solver's wall-clock seconds (the report is deterministic)."""

import json
import math
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def check(data):
    plans = [r for r in data["reports"] if r["kind"] == "autoshard-plan"]
    assert plans, "no plan report"
    for plan in plans:
        for key in ("function", "grid", "ops", "edges", "collectives", "totals", "solver", "baselines"):
            assert key in plan, key
        for op in plan["ops"]:
            for key in ("id", "kind", "name", "loc", "strategy", "operands", "results", "compute_s",
                        "communication_s", "memory_bytes"):
                assert key in op, (key, op)
        for c in plan["collectives"]:
            for key in ("kind", "axes", "producer", "consumer", "bytes_in", "bytes_out", "time_s"):
                assert key in c, (key, c)
        for key in ("status", "objective_s", "bound_s", "gap", "seconds"):
            assert key in plan["solver"], key
        t = plan["totals"]
        ops = plan["ops"]
        assert math.isclose(t["compute_s"], sum(o["compute_s"] for o in ops), rel_tol=1e-9, abs_tol=1e-18)
        assert math.isclose(t["communication_s"], sum(o["communication_s"] for o in ops), rel_tol=1e-9, abs_tol=1e-18)
        # The collectives are what the communication costs.
        assert math.isclose(t["communication_s"], sum(c["time_s"] for c in plan["collectives"]),
                            rel_tol=1e-6, abs_tol=1e-15)
        assert math.isclose(t["cost_s"], plan["solver"]["objective_s"], rel_tol=1e-12)
    return plans


def without_seconds(plans):
    for plan in plans:
        plan["solver"].pop("seconds")
    return plans


first = check(load(sys.argv[1]))
if len(sys.argv) > 2:
    second = check(load(sys.argv[2]))
    assert without_seconds(first) == without_seconds(second), "reports differ between runs"
print("ok")
