"""What every autoshard pass is, and the state a pipeline threads through.

A pass is a frozen dataclass with a class-level `name` (the pipeline name,
as in `--pass-pipeline='builtin.module(autoshard{grid=2x4})'`), a one-line
`summary`, and typed option fields.  Option fields carry their help text in
`field(metadata={"help": ...})`; the option's spelling on the command line is
the field name with `_` replaced by `-`.  `run` mutates the module in place
or raises `AutoshardError` with a location.

Passes are registered with `@register_pass`; `PASSES` maps name -> class.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import ClassVar

from autoshard.diagnostics import AutoshardError


@dataclass
class Diagnostic:
    """A non-fatal message a pass wants shown (warning / remark / note)."""

    severity: str
    message: str
    loc: object = None  # SourceLoc or None


@dataclass
class PipelineState:
    """Mutable state shared by the passes of one pipeline run on one module.

    - `source_name`: the input file name, for messages.
    - `original_text`: the module as printed before `autoshard-partition`
      rewrote it; `autoshard-verify` compares against it.
    - `correspondence`: per function name, which SPMD op computes (a piece
      of) which original op's result and in what layout -- (original
      position, result index, SPMD position, Sharding) -- so that
      autoshard-verify can name the first value that differs.
    - `reports`: plan reports to print when the user asks for them.
    - `diagnostics`: warnings and remarks to print after the run.
    """

    source_name: str = "<stdin>"
    original_text: str | None = None
    correspondence: dict = field(default_factory=dict)
    reports: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def warn(self, message: str, loc=None) -> None:
        from autoshard.diagnostics import source_loc

        if loc is not None and not hasattr(loc, "line"):
            loc = source_loc(loc)
        self.diagnostics.append(Diagnostic("warning", message, loc))


@dataclass(frozen=True)
class Pass:
    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""

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


PASSES: dict[str, type[Pass]] = {}


def register_pass(cls: type[Pass]) -> type[Pass]:
    PASSES[cls.name] = cls
    return cls
