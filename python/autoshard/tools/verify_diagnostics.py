"""`--verify-diagnostics`: matching emitted diagnostics against
`// expected-<severity>` comments, with mlir-opt's rules and messages.

Directive syntax (mlir's SourceMgrDiagnosticVerifierHandler):

    expected-(error|warning|note|remark)(-re)? (@+N|@-N|@above|@below|@unknown)? {{text}}

- no offset: the diagnostic is on the directive's own line;
- `@+N`/`@-N`: N lines below/above;
- `@below`/`@above`: the next/previous line that holds no directive;
- `@unknown`: a diagnostic without a file location.
A diagnostic matches when severity and line agree and the text is a
substring of its message (with `-re`, `{{...}}` parts inside the text are
regular expressions, the rest literal).  One directive may match several
diagnostics.  A diagnostic matching only in text, not severity, is a "near
miss" and reported as such.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from autoshard.diagnostics import SourceLoc

_DIRECTIVE = re.compile(
    r"expected-(?P<kind>error|note|remark|warning)(?P<re>-re)?"
    r" *(?:@(?P<offset>[+-][0-9]+|above|below|unknown))? *\{\{(?P<text>.*)\}\}$"
)


@dataclass(frozen=True)
class Report:
    """A message of the verifier itself (always an error, located at the
    directive or at the diagnostic it is about). `length` is the number of
    characters to underline, as mlir-opt does for directives."""

    loc: SourceLoc | None
    message: str
    length: int = 1


@dataclass
class Expectation:
    kind: str
    text: str
    line: int | None  # None for @unknown
    directive: SourceLoc
    regex: re.Pattern | None = None
    matched: bool = False

    def matches(self, message: str) -> bool:
        if self.regex is not None:
            return self.regex.search(message) is not None
        return self.text in message


def _compile_re_directive(text: str) -> re.Pattern:
    """`a{{[0-9]+}}b` -> regex `a[0-9]+b`: literal outside `{{ }}`."""
    parts, i = [], 0
    while True:
        start = text.find("{{", i)
        if start < 0:
            parts.append(re.escape(text[i:]))
            break
        end = text.find("}}", start + 2)
        if end < 0:
            raise re.error("found start of regex '{{' with no end '}}'")
        parts.append(re.escape(text[i:start]))
        parts.append("(?:" + text[start + 2 : end] + ")")
        i = end + 2
    return re.compile("".join(parts))


def parse_expectations(text: str, file: str, first_line: int = 1) -> tuple[list[Expectation], list[Report]]:
    """The directives in `text` (whose first line is `first_line` of `file`)
    and the errors found reading them (bad regexes)."""
    expectations: list[Expectation] = []
    errors: list[Report] = []
    pending_below: list[Expectation] = []
    last_plain_line: int | None = None
    for index, line_text in enumerate(text.split("\n")):
        lineno = first_line + index
        found = False
        for m in _DIRECTIVE.finditer(line_text):
            found = True
            directive = SourceLoc(file, lineno, m.start() + 1)
            exp = Expectation(m["kind"], m["text"], lineno, directive)
            if m["re"]:
                try:
                    exp.regex = _compile_re_directive(m["text"])
                except re.error as err:
                    errors.append(Report(directive, f"invalid regex: {err}", len(m["text"])))
                    continue
            offset = m["offset"]
            if offset == "unknown":
                exp.line = None
            elif offset == "below":
                pending_below.append(exp)
            elif offset == "above":
                # mlir-opt leaves a directive with nothing above on its own line.
                exp.line = last_plain_line if last_plain_line is not None else lineno
            elif offset:
                exp.line = lineno + int(offset)
            expectations.append(exp)
        if not found:
            last_plain_line = lineno
            for exp in pending_below:
                exp.line = lineno
            pending_below.clear()
    return expectations, errors


def _same_place(exp: Expectation, loc: SourceLoc | None) -> bool:
    """Whether `loc` is the line `exp` expects (in the file holding the
    directive: a diagnostic about, say, a cluster JSON file never matches)."""
    if loc is None:
        return exp.line is None
    return exp.line == loc.line and loc.file == exp.directive.file


@dataclass
class DiagnosticVerifier:
    """Feed every emitted diagnostic to `process`; `finish` lists what went
    wrong (empty: verification passed)."""

    expectations: list[Expectation]
    reports: list[Report] = field(default_factory=list)
    # mlir-opt's --verify-diagnostics=only-expected: diagnostics nobody
    # expected (and near misses) are not problems, missing ones still are.
    only_expected: bool = False

    @classmethod
    def from_text(cls, text: str, file: str, first_line: int = 1,
                  only_expected: bool = False) -> "DiagnosticVerifier":
        expectations, errors = parse_expectations(text, file, first_line)
        return cls(expectations, list(errors), only_expected)

    def process(self, severity: str, message: str, loc: SourceLoc | None) -> None:
        near_miss: Expectation | None = None
        for exp in self.expectations:
            if not _same_place(exp, loc) or not exp.matches(message):
                continue
            if exp.kind == severity:
                exp.matched = True
                return
            near_miss = exp
        if self.only_expected:
            return
        if near_miss is not None:
            self.reports.append(Report(
                near_miss.directive,
                f"'{severity}' diagnostic emitted when expecting a '{near_miss.kind}'"))
            return
        self.reports.append(Report(loc, f"unexpected {severity}: {message}"))

    def finish(self) -> list[Report]:
        missing = [
            Report(e.directive, f'expected {e.kind} "{e.text}" was not produced', len(e.text))
            for e in self.expectations
            if not e.matched
        ]
        return self.reports + missing
