"""Keeping the bindings' asserting verifiers from killing the process.

Some LLVM 22 verifiers index arrays with values they never checked: a
`shard.sharding` with `sharded_dims_offsets` and a split axis outside its
grid, or a collective whose `split_axis` / `concat_axis` / `slice_axis` /
`scatter_axis` is not a dimension of its operand.  In the bindings (built
with assertions) that is an `assert`, i.e. SIGABRT, and nothing of Python
survives it.  The bindings offer no parse without verification, so the only
way to find out whether a text is safe is to try it where a crash costs
nothing: `parse_survives` parses and verifies in a forked child whose
death is observed by the parent.

When the child dies, `locate_abort` finds the op responsible by checking,
on the text, exactly the conditions those verifiers assert on; anything it
does not recognise is still a located error (at the start of the input)
rather than a dead process.
"""

from __future__ import annotations

import os
import re
import signal
from dataclasses import dataclass

# Long enough for any real module; a child that takes longer is presumed
# stuck (e.g. a lock inherited from another thread) and the guard gives up.
_CHILD_TIMEOUT_S = 120.0

_GRID = re.compile(r"\bshard\.grid\s+@(?P<name>[\w.$-]+)\s*\(\s*shape\s*=\s*(?P<shape>[^)]*)\)")
_SHARDING = re.compile(
    r"(?P<result>%[\w.$#-]+\s*=\s*)?\bshard\.sharding\s+@(?P<grid>[\w.$-]+)\s+"
    r"split_axes\s*=\s*(?P<split>\[(?:[^\[\]]|\[[^\[\]]*\])*\])(?P<rest>[^\n]*)"
)
_COLLECTIVE = re.compile(
    r"(?P<result>%[\w.$#-]+\s*=\s*)?\bshard\.(?P<op>all_to_all|all_slice|reduce_scatter|scatter)\b"
    r"(?P<rest>[^\n]*)"
)
_AXIS_ATTR = re.compile(r"\b(?P<name>split_axis|concat_axis|slice_axis|scatter_axis)\s*=\s*(?P<value>-?\d+)")
_FIRST_TENSOR = re.compile(r":\s*tensor<(?P<dims>[^>]*)>")


@dataclass(frozen=True)
class AbortSite:
    """Where (1-based line, col in the text) and why a verifier would abort."""

    line: int
    col: int
    message: str


def parse_survives(parse_and_verify) -> bool:
    """Runs `parse_and_verify()` in a forked child; False if the child was
    killed by a signal (an assertion, a segfault).  Errors the child raises
    are not interesting here: the caller repeats the parse in process and
    reports them.  Without fork (not POSIX) the check is skipped."""
    if not hasattr(os, "fork"):
        return True
    pid = os.fork()
    if pid == 0:  # child: silence the assertion text, never return
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            parse_and_verify()
        except BaseException:
            pass
        os._exit(0)
    return _wait_for(pid)


def _wait_for(pid: int) -> bool:
    import time

    deadline = time.monotonic() + _CHILD_TIMEOUT_S
    delay = 0.001
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return not os.WIFSIGNALED(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return True  # inconclusive: parse in process as before
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


def locate_abort(text: str) -> AbortSite | None:
    """The first op in `text` that LLVM 22's shard verifiers assert on."""
    grids = {m["name"]: _grid_rank(m["shape"]) for m in _GRID.finditer(text)}
    sites = []
    for m in _SHARDING.finditer(text):
        if "sharded_dims_offsets" not in m["rest"]:
            continue
        rank = grids.get(m["grid"])
        axes = [int(a) for a in re.findall(r"-?\d+", m["split"])]
        bad = [a for a in axes if rank is not None and a >= rank]
        if bad:
            sites.append(_site(text, m, f"split axis {bad[0]} is outside grid '@{m['grid']}' of rank {rank}"
                                          " (with 'sharded_dims_offsets')"))
    for m in _COLLECTIVE.finditer(text):
        tensor = _FIRST_TENSOR.search(m["rest"])
        if tensor is None:
            continue
        rank = _tensor_rank(tensor["dims"])
        for attr in _AXIS_ATTR.finditer(m["rest"]):
            value = int(attr["value"])
            if not 0 <= value < rank:
                sites.append(_site(text, m, f"'shard.{m['op']}' {attr['name']} {value} is not a dimension"
                                              f" of its rank-{rank} operand"))
                break
    return min(sites, key=lambda s: (s.line, s.col), default=None)


def _site(text: str, m: re.Match, message: str) -> AbortSite:
    """The op's location as MLIR gives it: its first result, else its name."""
    start = m.start()
    line = text.count("\n", 0, start) + 1
    col = start - (text.rfind("\n", 0, start) + 1) + 1
    return AbortSite(line, col, message)


def _grid_rank(shape: str) -> int | None:
    shape = shape.strip()
    if shape in ("", "[]"):
        return None  # the grid verifier reports it
    return len(shape.split("x"))


def _tensor_rank(dims: str) -> int:
    """Rank of `tensor<dims>`: the dimension fields before the element type."""
    count = 0
    for part in dims.split(",")[0].split("x"):
        if not (part.strip().isdigit() or part.strip() == "?"):
            break
        count += 1
    return count
