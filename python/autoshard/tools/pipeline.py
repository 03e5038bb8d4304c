"""Textual pass pipelines, as written after `--pass-pipeline=`.

Grammar (MLIR's textual pipeline syntax):

    pipeline := op-name '(' elements? ')'
    elements := element (',' element)*
    element  := pass-name ('{' options '}')?
              | op-name '(' elements? ')'      # a nested pipeline: func.func, any, builtin.module, ...
    options  := option (whitespace option)*
    option   := key ('=' value)?          # value: bare, 'quoted', "quoted", {braced}

Like mlir-opt, the outer anchor (normally `builtin.module(...)`) is
required.  `parse_pipeline_tree` keeps the nesting (`Nest`); every
`PassSpec` also remembers the anchors it is nested under (`anchor`, the
outermost first), which is all `parse_pipeline`'s flat list needs.
"""

from __future__ import annotations

from dataclasses import dataclass

from autoshard.diagnostics import AutoshardError

MODULE_ANCHOR = "builtin.module"
FUNC_ANCHOR = "func.func"
ANY_ANCHOR = "any"
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")


@dataclass(frozen=True)
class PassSpec:
    """One pass occurrence: its name, its options in the order written (the
    values unquoted), the op anchors it is nested under, outermost first,
    and the option text as written (to hand it back to MLIR unchanged)."""

    name: str
    options: tuple[tuple[str, str], ...] = ()
    anchor: tuple[str, ...] = (MODULE_ANCHOR,)
    options_text: str = ""

    def options_dict(self) -> dict[str, str]:
        """The options as a dict; an option given twice is an error (as for
        mlir-opt's `may only occur zero or one times`)."""
        out: dict[str, str] = {}
        for key, value in self.options:
            if key in out:
                raise AutoshardError(f"option '{key}' of pass '{self.name}' given more than once")
            out[key] = value
        return out


@dataclass(frozen=True)
class Nest:
    """`op_name(children)`: a pipeline run on the ops named `op_name`
    (`any`: every op) directly inside the op the enclosing pipeline runs on."""

    op_name: str
    children: tuple["Nest | PassSpec", ...] = ()

    def passes(self) -> list[PassSpec]:
        out: list[PassSpec] = []
        for child in self.children:
            out.extend(child.passes() if isinstance(child, Nest) else [child])
        return out


class PipelineSyntaxError(AutoshardError):
    """A malformed pipeline; the message shows the text and a caret."""

    def __init__(self, what: str, text: str, pos: int, source: str):
        super().__init__(f"invalid {source}: {what} at column {pos + 1}\n  {text}\n  {' ' * pos}^")
        self.what = what
        self.pos = pos


def parse_pipeline(text: str, source: str = "--pass-pipeline") -> list[PassSpec]:
    """The passes of `builtin.module(...)`, in execution order."""
    return parse_pipeline_tree(text, source).passes()


def parse_pipeline_tree(text: str, source: str = "--pass-pipeline") -> Nest:
    """The pipeline with its nesting; the root is the outer anchor."""
    return _PipelineParser(text, source).parse()


def parse_options(text: str, source: str = "pass options", base: int = 0,
                  whole: str | None = None) -> tuple[tuple[str, str], ...]:
    """`key=value key2 key3='a b'` -> ((key, value), (key2, ''), (key3, 'a b')).

    `base`/`whole` place the error caret when `text` is a slice of a
    larger pipeline string."""
    whole = text if whole is None else whole
    out: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i == n:
            return tuple(out)
        start = i
        while i < n and not text[i].isspace() and text[i] != "=":
            if text[i] in "'\"{}":
                raise PipelineSyntaxError(f"unexpected '{text[i]}' in option name", whole, base + i, source)
            i += 1
        key = text[start:i]
        if not key:
            raise PipelineSyntaxError("expected an option name before '='", whole, base + i, source)
        value = ""
        if i < n and text[i] == "=":
            i += 1
            value, i = _option_value(text, i, source, base, whole)
        out.append((key, value))


def _option_value(text: str, i: int, source: str, base: int, whole: str) -> tuple[str, int]:
    """The value starting at text[i] (quotes removed, braces kept) and the
    index just past it."""
    n = len(text)
    if i < n and text[i] in "'\"":
        end = text.find(text[i], i + 1)
        if end < 0:
            raise PipelineSyntaxError(f"unterminated {text[i]} quote", whole, base + i, source)
        return text[i + 1 : end], end + 1
    start, depth = i, 0
    while i < n and (depth > 0 or not text[i].isspace()):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth < 0:
                raise PipelineSyntaxError("unbalanced '}'", whole, base + i, source)
        i += 1
    if depth:
        raise PipelineSyntaxError("unbalanced '{'", whole, base + start, source)
    return text[start:i], i


class _PipelineParser:
    def __init__(self, text: str, source: str):
        self.text = text
        self.source = source
        self.pos = 0

    def error(self, what: str, pos: int | None = None) -> PipelineSyntaxError:
        return PipelineSyntaxError(what, self.text, self.pos if pos is None else pos, self.source)

    def parse(self) -> Nest:
        self.skip_space()
        start = self.pos
        name = self.name() if self.pos < len(self.text) and self.text[self.pos] in _NAME_CHARS else ""
        self.skip_space()
        if not name or not self.at("("):
            raise self.error(
                "expected pass pipeline to be wrapped with the anchor operation type, "
                "e.g. 'builtin.module(...)'", start)
        root = Nest(name, self.nested((name,)))
        self.skip_space()
        if self.pos != len(self.text):
            raise self.error("unexpected text after the pipeline")
        return root

    def nested(self, anchor: tuple[str, ...]) -> tuple["Nest | PassSpec", ...]:
        """Parses `( elements? )` starting at the '('."""
        self.expect("(")
        children: list[Nest | PassSpec] = []
        self.skip_space()
        if self.at(")"):
            self.pos += 1
            return ()
        while True:
            children.append(self.element(anchor))
            self.skip_space()
            if self.at(","):
                self.pos += 1
                continue
            if self.at(")"):
                self.pos += 1
                return tuple(children)
            raise self.error("expected ',' or ')'")

    def element(self, anchor: tuple[str, ...]) -> "Nest | PassSpec":
        self.skip_space()
        name = self.name()
        self.skip_space()
        if self.at("("):
            return Nest(name, self.nested(anchor + (name,)))
        options: tuple[tuple[str, str], ...] = ()
        options_text = ""
        if self.at("{"):
            close = self.matching_brace()
            options_text = self.text[self.pos + 1 : close]
            options = parse_options(options_text, self.source, self.pos + 1, self.text)
            self.pos = close + 1
        return PassSpec(name, options, anchor, options_text)

    def name(self) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] in _NAME_CHARS:
            self.pos += 1
        if self.pos == start:
            raise self.error("expected a pass or operation name")
        return self.text[start : self.pos]

    def matching_brace(self) -> int:
        """Index of the '}' closing the '{' at self.pos, skipping quoted text
        and nested braces."""
        depth, i, quote = 0, self.pos, None
        while i < len(self.text):
            c = self.text[i]
            if quote:
                quote = None if c == quote else quote
            elif c in "'\"":
                quote = c
            elif c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    return i
            i += 1
        raise self.error("missing '}' for the options starting here")

    def expect(self, c: str) -> None:
        if not self.at(c):
            raise self.error(f"expected '{c}'")
        self.pos += 1

    def at(self, c: str) -> bool:
        return self.text.startswith(c, self.pos)

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1
