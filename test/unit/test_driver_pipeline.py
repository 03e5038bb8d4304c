"""The --pass-pipeline parser and the per-pass option parser."""

import pytest

from autoshard.diagnostics import AutoshardError
from autoshard.tools.pipeline import PassSpec, PipelineSyntaxError, parse_options, parse_pipeline

MOD = ("builtin.module",)
FUNC = ("builtin.module", "func.func")


def test_passes_with_options_in_order():
    specs = parse_pipeline("builtin.module(autoshard{grid=2x4 memory-budget=160MiB},autoshard-partition)")
    assert specs == [
        PassSpec("autoshard", (("grid", "2x4"), ("memory-budget", "160MiB")), MOD, "grid=2x4 memory-budget=160MiB"),
        PassSpec("autoshard-partition", (), MOD, ""),
    ]


def test_func_nesting_whitespace_and_empty_pipeline():
    specs = parse_pipeline(" builtin.module( a , func.func( b{x=1} , c ) ,d ) ")
    assert [(s.name, s.anchor) for s in specs] == [("a", MOD), ("b", FUNC), ("c", FUNC), ("d", MOD)]
    assert parse_pipeline("builtin.module()") == []
    assert parse_pipeline("builtin.module(func.func())") == []


def test_quoted_and_braced_values_keep_their_spaces_and_commas():
    (spec,) = parse_pipeline("""builtin.module(p{a='x y' b="}{" c={1,2 3} flag})""")
    assert spec.options == (("a", "x y"), ("b", "}{"), ("c", "{1,2 3}"), ("flag", ""))
    assert spec.options_dict() == {"a": "x y", "b": "}{", "c": "{1,2 3}", "flag": ""}


@pytest.mark.parametrize(
    "text, what, column",
    [
        ("autoshard", "expected pass pipeline to be wrapped", 1),
        ("cse", "expected pass pipeline to be wrapped", 1),
        ("builtin.module(cse", "expected ',' or ')'", 19),
        ("builtin.module(cse,)", "expected a pass or operation name", 20),
        ("builtin.module(cse) x", "unexpected text after the pipeline", 21),
        ("builtin.module(cse{a=1)", "missing '}'", 19),
        ("builtin.module(cse{a='1})", "missing '}'", 19),
        ("builtin.module(cse{=1})", "expected an option name before '='", 20),
    ],
)
def test_syntax_errors_point_at_the_column(text, what, column):
    with pytest.raises(PipelineSyntaxError) as info:
        parse_pipeline(text)
    assert what in info.value.message
    assert info.value.pos + 1 == column
    assert f"at column {column}" in info.value.message
    # The caret line sits under the offending column.
    text_line, caret_line = info.value.message.split("\n")[1:]
    assert caret_line.index("^") == text_line.index(text) + column - 1


def test_parse_options_standalone():
    assert parse_options("grid=2x4  memory-budget='160 MiB' verbose") == (
        ("grid", "2x4"), ("memory-budget", "160 MiB"), ("verbose", ""))
    assert parse_options("") == ()
    assert parse_options("k=") == (("k", ""),)
    with pytest.raises(PipelineSyntaxError, match="unterminated ' quote"):
        parse_options("k='abc")
    with pytest.raises(PipelineSyntaxError, match="unbalanced '}'"):
        parse_options("k=a}")
    with pytest.raises(PipelineSyntaxError, match="unbalanced '{'"):
        parse_options("k={a")


def test_repeated_option_is_an_error():
    (spec,) = parse_pipeline("builtin.module(p{a=1 a=2})")
    with pytest.raises(AutoshardError, match="option 'a' of pass 'p' given more than once"):
        spec.options_dict()
