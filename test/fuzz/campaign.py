"""A seeded fuzzing campaign against autoshard-opt and autoshard-solve.

    python test/fuzz/campaign.py --seed 1 --count 200          # what CI runs
    nice -n 19 python test/fuzz/campaign.py --seed 7 --count 5000 --save /tmp/fuzz-failures

Case i of seed s is a pure function of (s, i): the same command line gives
the same inputs, so a failure is reproduced with `--only i`.  Every case
runs the tool's `main()` in a forked child (the parent imports autoshard
once, so a case costs the run, not the imports), with its stdout/stderr
captured, an address-space limit and a timeout, and must end in one of two
ways:

- exit 0, the output file written;
- exit 1, no output file, and every `error:` line located: `file:line:col:`
  for MLIR; for problem files the JSON line:col, a node or edge, a JSON
  member or the file itself, or the offending command-line argument.

autoshard-opt's errors in its own options (`autoshard-opt: error: invalid
value ... for option ...`) name the option but no position, and errors about
the module as a whole sit at `file:0:0` (where mlir-opt puts the implicit
module); both are counted apart, and are failures only with --strict.

Anything else is a failure: a signal (abort, segfault), a timeout, another
exit status (2 is an internal error), a traceback, "internal error", an
unlocated error, output left behind after a failure.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import re
import resource
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import mlir_mutations  # noqa: E402
import problem_mutations  # noqa: E402

SHARED = ROOT.parent / "shared"
# The seed example's simulation needs 15 GB: it is only ever parsed and planned here.
HEAVY = ("seed_matmul_legacy", "seed-legacy")
MAX_SEED_BYTES = 200_000
ADDRESS_SPACE_LIMIT = 8 << 30

OPT_PIPELINES = [
    [],
    ["--autoshard=grid=2x4 time-limit=2"],
    ["--autoshard=grid=8 memory-budget=64KiB time-limit=2"],
    ["--pass-pipeline=builtin.module(autoshard{grid=2x4 time-limit=2},autoshard-partition)"],
    ["--pass-pipeline=builtin.module(autoshard{grid=2x2 time-limit=2},autoshard-partition,"
     "autoshard-verify{sim-memory-limit=256MiB})"],
    ["--autoshard-partition"],
]
OPT_OPTION_MUTATIONS = [
    "grid=0x4", "grid=4294967296x4294967296", "grid=2x4x", "grid=-2", "grid=9223372036854775807",
    "memory-budget=1B", "memory-budget=1e400GiB", "memory-budget=-1KiB", "time-limit=nan", "time-limit=inf",
    "time-limit=1e308", "threads=0", "seed=-1", "seed=99999999999999999999", "baseline=none",
]
CLUSTER_VALUES = ["1e308", "-1", "0", "NaN", "Infinity", "1e-300", "\"fast\"", "[]", "1e-6", "5e-12"]

_OPT_OPTION_ERROR = "autoshard-opt: error: "
# mlir-opt puts the implicit module at file:0:0; an error there names the
# file only.
_MODULE_LEVEL = re.compile(r"^[^\s:][^:\n]*:0:0: error: ")
_LOCATED_MLIR = re.compile(r"^[^\s:][^:\n]*:\d+:\d+: error: ", re.M)
# A diagnostic's first line: `file:line:col: error:`, `tool: error:`, or a
# bare `error:`.  The echoed source lines under it start with blanks or
# the user's code, which cannot look like this by accident.
_ANY_ERROR = re.compile(r"^(?:[^\s:][^:\n]*:\d+:\d+: |[^\s:][^:\n]*: )?error: .*$", re.M)
_SOLVE_LOCATION = re.compile(
    r":\d+:\d+: |\bnode \d+|\bedge \d+|argument --|unrecognized arguments|arguments are required|"
    r"\bproblem\b|\bnodes\b|\bedges\b|intervals|costs|usages|usage_limit|the file|JSON|gzip|UTF-8|"
    r"No such file|Is a directory|Permission denied|time limit of"
)


@dataclass
class Case:
    index: int
    tool: str  # "opt" or "solve"
    argv: list
    files: dict  # name -> bytes, written into the case directory
    output: str | None  # name of the -o file
    mutations: list = field(default_factory=list)
    origin: str = ""


@dataclass
class Outcome:
    kind: str  # ok, located-error, or a failure class
    detail: str = ""


def _chunks(path: Path) -> list[str]:
    text = path.read_text(errors="replace")
    return [c for c in text.split("// -----") if re.search(r"^\s*(func\.func|module|shard\.|mesh\.)", c, re.M)]


def seed_inputs() -> list[list[tuple[str, str]]]:
    """Per seed file, (origin, text) of its chunks: lit tests, examples, the
    shared corpus and upstream shard tests, in a fixed order.  A case picks
    a file, then a chunk, so that files with many chunks do not dominate."""
    seeds = []
    roots = [ROOT / "test" / "lit", ROOT / "examples", SHARED / "corpus", SHARED / "upstream-tests"]
    for root in roots:
        if not root.exists():
            continue
        for path in sorted(root.rglob("*.mlir")):
            if "Output" in path.parts or path.stat().st_size > MAX_SEED_BYTES:
                continue
            base = ROOT if ROOT in path.parents else SHARED
            chunks = [(f"{path.relative_to(base)}#{k}", chunk) for k, chunk in enumerate(_chunks(path))]
            if chunks:
                seeds.append(chunks)
    return seeds


def problem_seeds(rng_seed: int) -> list[dict]:
    seeds = []
    example = SHARED / "iopddl" / "example.json"
    if example.exists():
        seeds.append(json.loads(example.read_text()))
    rng = random.Random(f"problems/{rng_seed}")
    seeds.extend(problem_mutations.generated(rng) for _ in range(8))
    return seeds


def _cluster_file(rng: random.Random) -> bytes:
    keys = ["alpha", "beta", "peak_flops", "memory_bandwidth"]
    body = {k: "1e-6" for k in rng.sample(keys, rng.randint(1, 4))}
    body[rng.choice(list(body))] = rng.choice(CLUSTER_VALUES)
    text = "{" + ", ".join(f'"{k}": {v}' for k, v in body.items())
    if rng.random() < 0.3:
        text += ', "axes": [{"alpha": ' + rng.choice(CLUSTER_VALUES) + "}]"
    return (text + "}").encode()


def make_case(seed: int, index: int, mlir_seeds, json_seeds) -> Case:
    rng = random.Random(f"{seed}/{index}")
    if rng.random() < 0.8:
        origin, text = rng.choice(rng.choice(mlir_seeds))
        mutated, names = mlir_mutations.mutate(text, rng)
        argv = list(rng.choice(OPT_PIPELINES))
        if any(h in origin for h in HEAVY):
            argv = rng.choice([[], ["--autoshard=grid=2x4 time-limit=2"]])
        files = {"input.mlir": mutated.encode()}
        if argv and argv[0].startswith("--autoshard=") and rng.random() < 0.3:
            if rng.random() < 0.5:
                argv[0] += " " + rng.choice(OPT_OPTION_MUTATIONS)
                names.append("option")
            else:
                files["cluster.json"] = _cluster_file(rng)
                argv[0] += " cluster={dir}/cluster.json"
                names.append("cluster")
        if "// -----" in mutated or rng.random() < 0.1:
            argv.append("--split-input-file")
        argv += ["{dir}/input.mlir", "-o", "{dir}/out.mlir"]
        return Case(index, "opt", argv, files, "out.mlir", names, origin)
    doc = rng.choice(json_seeds)
    data, names = problem_mutations.mutate_problem(doc, rng)
    options = rng.choice(problem_mutations.SOLVE_OPTIONS) if rng.random() < 0.3 else []
    if options:
        names.append("options")
    argv = ["{dir}/problem.json", "--time-limit", "2", *options, "-o", "{dir}/solution.json"]
    return Case(index, "solve", argv, {"problem.json": data}, "solution.json", names, "problem")


def _child(case: Case, directory: str) -> None:
    """Runs in the forked child; never returns."""
    try:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        for fd, name in ((1, "stdout"), (2, "stderr")):
            out = os.open(os.path.join(directory, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(out, fd)
        argv = [a.replace("{dir}", directory) for a in case.argv]
        if case.tool == "opt":
            from autoshard.tools.opt import main
        else:
            from autoshard.tools.solve import main
        code = main(argv)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code if isinstance(code, int) else 0)
    except SystemExit as exit_:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(exit_.code if isinstance(exit_.code, int) else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
        sys.stderr.flush()
        os._exit(70)


def run_case(case: Case, timeout: float) -> Outcome:
    directory = tempfile.mkdtemp(prefix=f"fuzz-{case.index}-")
    try:
        for name, data in case.files.items():
            Path(directory, name).write_bytes(data)
        pid = os.fork()
        if pid == 0:
            _child(case, directory)
        status = _wait(pid, timeout)
        stderr = Path(directory, "stderr").read_text(errors="replace")
        output_exists = case.output is not None and Path(directory, case.output).exists()
        return classify(case, status, stderr, output_exists)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _wait(pid: int, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return None
        time.sleep(0.02)


def classify(case: Case, status, stderr: str, output_exists: bool) -> Outcome:
    if status is None:
        return Outcome("timeout")
    if os.WIFSIGNALED(status):
        return Outcome(f"signal {signal.Signals(os.WTERMSIG(status)).name}")
    code = os.WEXITSTATUS(status)
    first = stderr.strip().splitlines()[0] if stderr.strip() else ""
    if "Traceback (most recent call last)" in stderr:
        return Outcome("traceback", _last_line(stderr))
    if "internal error" in stderr:
        return Outcome("internal error", first)
    if code == 0:
        if not output_exists:
            return Outcome("exit 0 without output")
        return Outcome("ok")
    if code != 1:
        return Outcome(f"exit {code}", first)
    if output_exists:
        return Outcome("output left after failure", first)
    errors = _ANY_ERROR.findall(stderr)
    if not errors:
        return Outcome("exit 1 without error", first)
    if case.tool == "opt" and all(line.startswith(_OPT_OPTION_ERROR) for line in errors):
        return Outcome("option error", first)
    if case.tool == "opt" and all(_MODULE_LEVEL.match(line) for line in errors):
        return Outcome("module-level error", first)
    for line in errors:
        located = _LOCATED_MLIR.match(line) if case.tool == "opt" else _SOLVE_LOCATION.search(line)
        if not located:
            return Outcome("unlocated error", line)
    return Outcome("located error")


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def save(case: Case, outcome: Outcome, where: Path) -> None:
    target = where / f"case-{case.index}"
    target.mkdir(parents=True, exist_ok=True)
    for name, data in case.files.items():
        (target / name).write_bytes(data)
    tool = "autoshard-opt" if case.tool == "opt" else "autoshard-solve"
    argv = " ".join(f"'{a}'" for a in (a.replace("{dir}", str(target)) for a in case.argv))
    (target / "README").write_text(f"{outcome.kind}: {outcome.detail}\nseed input: {case.origin}\n"
                                   f"mutations: {', '.join(case.mutations)}\n{tool} {argv}\n")


def _import_everything() -> None:
    """Every autoshard module, imported before forking: each case pays for
    its run only, and a campaign tests one snapshot of the code even while
    files change under it."""
    import importlib
    import pkgutil

    import autoshard

    for module in pkgutil.walk_packages(autoshard.__path__, "autoshard."):
        try:
            importlib.import_module(module.name)
        except Exception as err:  # an optional extra (native build) may be absent
            print(f"note: {module.name} not imported ({type(err).__name__}: {err})", file=sys.stderr)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--start", type=int, default=0, help="first case index")
    parser.add_argument("--only", type=int, action="append", help="run just this case index (repeatable)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per case")
    parser.add_argument("--save", type=Path, help="write every failing case (input + command) here")
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per case")
    parser.add_argument("--strict", action="store_true",
                        help="count autoshard-opt option errors and file:0:0 errors as failures")
    args = parser.parse_args(argv)

    _import_everything()

    mlir_seeds, json_seeds = seed_inputs(), problem_seeds(args.seed)
    indices = args.only or range(args.start, args.start + args.count)
    counts = collections.Counter()
    failures = []
    started = time.monotonic()
    for index in indices:
        case = make_case(args.seed, index, mlir_seeds, json_seeds)
        outcome = run_case(case, args.timeout)
        counts[(case.tool, outcome.kind)] += 1
        if args.verbose:
            print(f"{index:6d} {case.tool:5s} {outcome.kind:22s} {case.origin} {'+'.join(case.mutations)}",
                  flush=True)
        accepted = ("ok", "located error") + (() if args.strict else ("option error", "module-level error"))
        if outcome.kind not in accepted:
            failures.append((case, outcome))
            if args.save:
                save(case, outcome, args.save)
    seconds = time.monotonic() - started
    chunks = sum(len(f) for f in mlir_seeds)
    print(f"fuzz campaign: seed {args.seed}, {len(indices)} cases, {seconds:.0f} s "
          f"({chunks} MLIR seeds from {len(mlir_seeds)} files, {len(json_seeds)} problem seeds)")
    for (tool, kind), n in sorted(counts.items()):
        print(f"  {tool:5s} {kind:26s} {n}")
    for case, outcome in failures[:50]:
        print(f"FAIL case {case.index} ({case.tool}, {case.origin}, {'+'.join(case.mutations)}): "
              f"{outcome.kind}: {outcome.detail}")
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
