"""What every autoshard pass is, and the state a pipeline threads through.

A pass is a frozen dataclass with a class-level `name` (the pipeline name,
as in `--pass-pipeline='builtin.module(autoshard{grid=2x4})'`), a one-line
`summary`, and typed option fields.  Option fields carry their help text in
`field(metadata={"help": ...})`; the option's spelling on the command line is
the field name with `_` replaced by `-`.  A field's type is what the command
line and the native plugin carry (bool, int, float or str); an option whose
text means more (a size, a grid shape, one of a few words) names its parser
in `metadata={"parse": f}`: `f(value)` returns the typed value or raises
ValueError with a message.  Every parser runs when the pass is built
(`Pass.__post_init__`), so a bad value is reported before anything runs,
however the pass was made (command line, plugin, Python); `run` reads the
typed value with `self.parsed("field_name")`.  `run` mutates the module in
place or raises `AutoshardError` with a location.

Passes are registered with `@register_pass`; `PASSES` maps name -> class.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable, ClassVar

from autoshard.diagnostics import AutoshardError, SourceLoc


@dataclass
class Diagnostic:
    """A non-fatal message a pass wants shown (warning / remark / note)."""

    severity: str
    message: str
    loc: SourceLoc | None = None


@dataclass
class PipelineState:
    """Mutable state shared by the passes of one pipeline run on one module.

    - `source_name`: the input file name, for messages.
    - `reports`: plan reports to print when the user asks for them.
    - `diagnostics`: warnings and remarks to print after the run.
    - `on_diagnostic`: set by a driver that shows warnings as they happen;
      `warn` then hands it the Diagnostic instead of collecting it.
    - `on_progress`: set by a driver that shows progress lines (one line,
      no newline, per call; called from a helper thread too).
    """

    source_name: str = "<stdin>"
    reports: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    on_diagnostic: Callable[[Diagnostic], None] | None = None
    on_progress: Callable[[str], object] | None = None

    def warn(self, message: str, loc=None) -> None:
        from autoshard.diagnostics import source_loc

        if loc is not None and not hasattr(loc, "line"):
            loc = source_loc(loc)
        diagnostic = Diagnostic("warning", message, loc)
        if self.on_diagnostic is not None:
            self.on_diagnostic(diagnostic)
        else:
            self.diagnostics.append(diagnostic)


@dataclass(frozen=True)
class Pass:
    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""

    def __post_init__(self) -> None:
        for f in self.options():
            parse = f.metadata.get("parse")
            if parse is None:
                continue
            value = getattr(self, f.name)
            try:
                parse(value)
            except ValueError as err:
                raise AutoshardError(
                    f"invalid value '{_as_text(value)}' for option '{self.option_name(f)}' "
                    f"of pass '{self.name}': {err}"
                ) from None

    def parsed(self, field_name: str):
        """The typed value of an option (its parser's result, or the field
        value if it has no parser); valid since `__post_init__` checked it."""
        f = next(f for f in self.options() if f.name == field_name)
        parse = f.metadata.get("parse")
        value = getattr(self, field_name)
        return parse(value) if parse else value

    def run(self, module, state: PipelineState) -> None:  # pragma: no cover
        raise NotImplementedError

    @classmethod
    def options(cls) -> list[dataclasses.Field]:
        return [f for f in dataclasses.fields(cls) if f.init]

    @classmethod
    def option_name(cls, f: dataclasses.Field) -> str:
        return f.name.replace("_", "-")

    @classmethod
    def from_options(cls, opts: dict[str, str]) -> "Pass":
        """Builds the pass from `{option-name: text}`; unknown options and
        values of the wrong type are AutoshardErrors."""
        by_name = {cls.option_name(f): f for f in cls.options()}
        kwargs = {}
        for key, text in opts.items():
            f = by_name.get(key)
            if f is None:
                known = ", ".join(sorted(by_name)) or "none"
                raise AutoshardError(
                    f"unknown option '{key}' for pass '{cls.name}' (options: {known})"
                )
            kwargs[f.name] = _convert(cls.name, key, f.type, text)
        return cls(**kwargs)


def _as_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _convert(pass_name: str, key: str, typ, text: str):
    typ = typ if isinstance(typ, str) else getattr(typ, "__name__", str(typ))
    try:
        if typ.startswith("bool"):
            if text.lower() in ("1", "true", "yes", "on", ""):
                return True
            if text.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(text)
        if typ.startswith("int"):
            return int(text)
        if typ.startswith("float"):
            return float(text)
    except ValueError:
        raise AutoshardError(
            f"option '{key}' of pass '{pass_name}' expects {typ.split(' ')[0]}, got '{text}'"
        ) from None
    return text


# Option parsers for `metadata={"parse": ...}`.

def positive(value: float) -> float:
    if not value > 0 or value == float("inf"):
        raise ValueError("expects a finite positive number")
    return value


def positive_at_most(high: float):
    """A finite positive number up to `high` (a time limit beyond a week is
    a typo, and far deadlines turn the solver's bounded loops endless)."""
    def check(value: float) -> float:
        positive(value)
        if value > high:
            raise ValueError(f"expects a positive number up to {high:g}")
        return value

    return check


def between(low: int, high: int):
    """An integer option in [low, high] (seeds and thread counts end up in
    C++ ints: beyond their range they are a TypeError, not a message)."""
    def check(value: int) -> int:
        if not low <= value <= high:
            raise ValueError(f"expects an integer from {low} to {high}")
        return value

    return check


def at_least(low: int):
    def check(value: int) -> int:
        if value < low:
            raise ValueError(f"expects an integer >= {low}")
        return value

    return check


def one_of(*choices: str):
    def check(value: str) -> str:
        if value not in choices:
            raise ValueError(f"expects one of {', '.join(choices)}")
        return value

    return check


def size_or_none(value: str) -> int | None:
    """'' -> None (no limit), '160MiB' -> 167772160."""
    from autoshard.units import parse_bytes

    if not value:
        return None
    try:
        return parse_bytes(value, "")
    except AutoshardError:
        raise ValueError("expects a size such as 160MiB or 2GB") from None


def grid_shape_or_none(value: str) -> tuple[int, ...] | None:
    """'' -> None (take the module's grid), '2x4' -> (2, 4)."""
    from autoshard.sharding import Grid

    return Grid.parse_shape(value) if value else None


class ModuleView:
    """What a pass needs of an `ir.Module` (`operation`, `context`, `body`),
    for a `builtin.module` operation: one nested in the input, or the one an
    MLIR PassManager hands a Python pass."""

    def __init__(self, op):
        self.operation = op
        self.context = op.context
        self.body = op.regions[0].blocks[0]

    def __str__(self) -> str:
        return str(self.operation)


PASSES: dict[str, type[Pass]] = {}


def register_pass(cls: type[Pass]) -> type[Pass]:
    PASSES[cls.name] = cls
    return cls
