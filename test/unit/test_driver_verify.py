"""The --verify-diagnostics matcher and the --split-input-file splitter."""

import pytest

from autoshard.diagnostics import SourceLoc
from autoshard.tools.split import Chunk, near_misses, split_input
from autoshard.tools.verify_diagnostics import DiagnosticVerifier, parse_expectations

TEXT = """\
op1
// expected-error @below {{below one}}
// expected-warning @below {{below two}}
op4  // expected-error {{same line}}
// expected-note @above {{above}}
// expected-remark @-5 {{minus}}
// expected-error @+2 {{plus}}
op8
op9
// expected-error @unknown {{nowhere}}
// expected-error-re {{count {{[0-9]+}} (literal)}}
"""


def _by_text(text):
    exps, errors = parse_expectations(text, "f.mlir")
    assert errors == []
    return {e.text: e for e in exps}


def test_offsets_resolve_like_mlir():
    exps = _by_text(TEXT)
    # @below/@above skip lines holding directives (line 4 has one), as
    # mlir-opt does.
    assert exps["below one"].line == 8
    assert exps["below two"].line == 8
    assert exps["same line"].line == 4
    assert exps["above"].line == 1
    assert exps["minus"].line == 1
    assert exps["plus"].line == 9
    assert exps["nowhere"].line is None
    assert exps["count {{[0-9]+}} (literal)"].line == 11
    # The directive's position is the start of `expected-`.
    assert exps["same line"].directive == SourceLoc("f.mlir", 4, 9)
    assert exps["below one"].kind == "error" and exps["below two"].kind == "warning"


def test_re_directives_are_regex_inside_braces_literal_outside():
    exp = _by_text(TEXT)["count {{[0-9]+}} (literal)"]
    assert exp.matches("a count 42 (literal) here")
    assert not exp.matches("count 42 literal")  # parentheses are literal
    assert not exp.matches("count x (literal)")


def test_bad_regex_is_reported_at_the_directive():
    exps, errors = parse_expectations("x\n  // expected-error-re {{a{{[0-9}}b}}\n", "f.mlir")
    assert exps == []
    assert len(errors) == 1
    assert errors[0].loc == SourceLoc("f.mlir", 2, 6)
    assert errors[0].message.startswith("invalid regex:")


def test_all_matched_means_no_reports():
    v = DiagnosticVerifier.from_text(TEXT, "f.mlir")
    v.process("error", "xx below one yy", SourceLoc("f.mlir", 8, 1))
    v.process("warning", "below two", SourceLoc("f.mlir", 8, 9))
    v.process("error", "on the same line", SourceLoc("f.mlir", 4, 2))
    v.process("error", "on the same line again", SourceLoc("f.mlir", 4, 2))  # one directive, two diagnostics
    v.process("note", "above", SourceLoc("f.mlir", 1, 1))
    v.process("remark", "minus", SourceLoc("f.mlir", 1, 1))
    v.process("error", "plus", SourceLoc("f.mlir", 9, 1))
    v.process("error", "nowhere", None)
    v.process("error", "count 7 (literal)", SourceLoc("f.mlir", 11, 1))
    assert v.finish() == []


def test_unexpected_missing_and_near_miss():
    v = DiagnosticVerifier.from_text("op\nop // expected-warning {{careful}}\n// expected-error @below {{gone}}\nop\n", "f.mlir")
    v.process("error", "surprise", SourceLoc("f.mlir", 1, 3))
    v.process("error", "be careful", SourceLoc("f.mlir", 2, 1))  # right text, wrong severity
    v.process("warning", "careful", SourceLoc("f.mlir", 3, 1))  # right text, wrong line
    messages = [(r.loc.line, r.message) for r in v.finish()]
    assert messages == [
        (1, "unexpected error: surprise"),
        (2, "'error' diagnostic emitted when expecting a 'warning'"),
        (3, "unexpected warning: careful"),
        (2, 'expected warning "careful" was not produced'),
        (3, 'expected error "gone" was not produced'),
    ]


def test_unlocated_diagnostic_needs_unknown():
    v = DiagnosticVerifier.from_text("// expected-error {{no loc}}\n", "f.mlir")
    v.process("error", "no loc", None)
    reports = v.finish()
    assert [r.message for r in reports] == ["unexpected error: no loc", 'expected error "no loc" was not produced']
    assert reports[0].loc is None


def test_split_positions_are_original_coordinates():
    text = "a\n// -----\nb\nc // ----- d\n// -----"
    assert split_input(text) == [
        Chunk("a\n", 1, 1),
        Chunk("\nb\nc ", 2, 9),
        Chunk(" d\n", 4, 11),
        Chunk("", 5, 9),
    ]
    assert split_input("") == [Chunk("", 1, 1)]


@pytest.mark.parametrize("line, found", [("// ----", [(1, 7)]), ("  // ---- x", [(1, 9)]),
                                          ("// -----", []), ("// ---", []), ("// ------", [])])
def test_near_miss_markers(line, found):
    assert near_misses(line) == found


def test_only_expected_ignores_unexpected_but_not_missing():
    v = DiagnosticVerifier.from_text("op // expected-error {{wanted}}\n// expected-error {{missing}}\n", "f.mlir",
                                     only_expected=True)
    v.process("error", "wanted", SourceLoc("f.mlir", 1, 1))
    v.process("warning", "wanted", SourceLoc("f.mlir", 1, 1))  # near miss: ignored too
    v.process("error", "noise", SourceLoc("f.mlir", 1, 1))
    assert [r.message for r in v.finish()] == ['expected error "missing" was not produced']


def test_diagnostic_in_another_file_does_not_match():
    v = DiagnosticVerifier.from_text("op // expected-error {{bad value}}\n", "f.mlir")
    v.process("error", "bad value", SourceLoc("cluster.json", 1, 5))
    assert [r.message for r in v.finish()] == [
        "unexpected error: bad value", 'expected error "bad value" was not produced']
