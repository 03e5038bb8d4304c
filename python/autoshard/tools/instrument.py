"""mlir-opt's debugging flags for autoshard-opt's pipeline:
--mlir-print-ir-before-all / -after-all / -after-failure, --mlir-timing,
--mlir-pass-statistics, --mlir-print-op-generic, --mlir-print-debuginfo.

A pipeline runs as a sequence of steps: autoshard passes (Python) and
segments of MLIR's own passes (one bindings PassManager each).  For an
MLIR segment the PassManager's own instrumentation does the work (so the
headers, pass names and nesting are exactly mlir-opt's); it prints to the
process's file descriptor 2, which is captured around the run and passed
on in order.  For an autoshard pass the same text is produced here; its
display name is its pipeline name, as in the native plugin.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator

_RULE = "===" + "-" * 73 + "==="
_TIMING_LINE = re.compile(r"^\s+(\d+\.\d+) \(\s*[\d.]+%\)  (.*)$")
_STATISTICS_HEADER = "... Pass statistics report ..."


@dataclass
class Instrumentation:
    print_before_all: bool = False
    print_after_all: bool = False
    print_after_failure: bool = False
    generic: bool = False  # --mlir-print-op-generic
    debuginfo: bool = False  # --mlir-print-debuginfo
    timing: bool = False
    statistics: bool = False
    pipeline_dump: str = ""  # --dump-pass-pipeline: printed for each chunk, after parsing
    sink: Callable[[str], None] = field(default=lambda text: None)  # stderr, in order
    # (indent, seconds, name) rows of the timing report, in execution order.
    timings: list[tuple[int, float, str]] = field(default_factory=list)
    statistics_lines: list[str] = field(default_factory=list)

    # -- printing -----------------------------------------------------------
    def asm(self, op) -> str:
        return op.get_asm(enable_debug_info=self.debuginfo, print_generic_op_form=self.generic)

    def active(self) -> bool:
        return self.captures_mlir_output() or bool(self.pipeline_dump)

    def begin_chunk(self) -> None:
        self.timings.clear()
        self.statistics_lines.clear()

    def end_chunk(self, seconds: float) -> str:
        """The reports of one chunk (mlir-opt prints them per input chunk)."""
        out = self.statistics_report() if self.statistics else ""
        return out + (self.timing_report(seconds) if self.timing else "")

    def captures_mlir_output(self) -> bool:
        return (self.print_before_all or self.print_after_all or self.print_after_failure
                or self.timing or self.statistics)

    def _dump(self, when: str, name: str, op) -> None:
        self.sink(f"// -----// IR Dump {when} {name} ({name}) //----- //\n{self.asm(op)}\n\n")

    # -- autoshard passes -----------------------------------------------------
    @contextmanager
    def python_pass(self, name: str, op, nesting: tuple[str, ...] = ()):
        """Around one run of an autoshard pass on `op`."""
        if self.print_before_all:
            self._dump("Before", name, op)
        start = time.perf_counter()
        try:
            yield
        except BaseException:
            if self.print_after_all or self.print_after_failure:
                self._dump_failed(name, op)
            raise
        finally:
            self._time(name, time.perf_counter() - start, nesting)
        if self.print_after_all and not self.print_after_failure:
            self._dump("After", name, op)
        if self.statistics:
            self.statistics_lines.append("  " * len(nesting) + name)

    def _dump_failed(self, name: str, op) -> None:
        self.sink(f"// -----// IR Dump After {name} Failed ({name}) //----- //\n{self.asm(op)}\n\n")

    def _time(self, name: str, seconds: float, nesting: tuple[str, ...]) -> None:
        if not self.timing:
            return
        for depth, anchor in enumerate(nesting):
            self.timings.append((depth, seconds, f"'{anchor}' Pipeline"))
        self.timings.append((len(nesting), seconds, name))

    def add_time(self, name: str, seconds: float) -> None:
        if self.timing:
            self.timings.append((0, seconds, name))

    # -- MLIR segments --------------------------------------------------------
    def configure(self, pm) -> None:
        if self.print_before_all or self.print_after_all or self.print_after_failure:
            pm.enable_ir_printing(
                print_before_all=self.print_before_all,
                print_after_all=self.print_after_all or self.print_after_failure,
                print_after_failure=self.print_after_failure,
                enable_debug_info=self.debuginfo,
                print_generic_op_form=self.generic,
            )
        if self.timing:
            pm.enable_timing()
        if self.statistics:
            pm.enable_statistics()

    def consume(self, captured: str) -> None:
        """Sorts what a PassManager printed: IR dumps go on to the sink, its
        timing and statistics reports are merged into ours."""
        dumps, timing, statistics = _split_reports(captured)
        if dumps:
            self.sink(dumps)
        for line in timing:
            m = _TIMING_LINE.match(line)
            if not m:
                continue
            indent = (len(m.group(2)) - len(m.group(2).lstrip(" "))) // 2
            name = m.group(2).strip()
            if indent == 0 and name in ("Rest", "Total"):
                continue
            self.timings.append((indent, float(m.group(1)), name))
        self.statistics_lines.extend(line for line in statistics if line.strip())

    # -- final reports --------------------------------------------------------
    def timing_report(self, total: float) -> str:
        lines = [_RULE, "                         ... Execution time report ...", _RULE,
                 f"  Total Execution Time: {total:.4f} seconds", "", "  ----Wall Time----  ----Name----"]
        top = 0.0
        for indent, seconds, name in self.timings:
            lines.append(_timing_row(seconds, total, "  " * indent + name))
            top += seconds if indent == 0 else 0.0
        lines.append(_timing_row(max(total - top, 0.0), total, "Rest"))
        lines.append(_timing_row(total, total, "Total"))
        return "\n".join(lines) + "\n"

    def statistics_report(self) -> str:
        lines = [_RULE, "                         ... Pass statistics report ...", _RULE]
        return "\n".join(lines + self.statistics_lines) + "\n\n"


def _timing_row(seconds: float, total: float, name: str) -> str:
    percent = 100.0 * seconds / total if total > 0 else 0.0
    return f"  {seconds:8.4f} ({percent:5.1f}%)  {name}"


def _split_reports(text: str) -> tuple[str, list[str], list[str]]:
    """(IR dumps, timing report lines, statistics report lines) of what a
    PassManager printed; the reports start with a `===---===` rule."""
    dumps: list[str] = []
    timing: list[str] = []
    statistics: list[str] = []
    target = dumps
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line == _RULE and i + 2 < len(lines) and lines[i + 2] == _RULE:
            target = statistics if _STATISTICS_HEADER in lines[i + 1] else timing
            i += 3
            continue
        target.append(line)
        i += 1
    dump_text = "\n".join(dumps)
    return (dump_text if dump_text.strip() else ""), timing, statistics


@contextmanager
def captured_stderr_fd() -> Iterator[list[str]]:
    """Captures what native code writes to file descriptor 2 (MLIR's
    llvm::errs()); yields a list that holds the text afterwards."""
    result: list[str] = []
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield result
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            result.append(tmp.read().decode("utf-8", "replace"))
