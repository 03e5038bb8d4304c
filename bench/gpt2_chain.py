"""Writes N chained GPT-2 blocks as one TOSA function (the planner's scale
case): `python bench/gpt2_chain.py [--blocks 24] [-o FILE]`.

The block is /work/shared/corpus/torch/gpt2_block.tosa.mlir as torch-mlir
exported it.  Block b gets its own 12 parameters (`%b<b>_arg<i>`, appended
to the function's arguments in block order), its own copy of every op
(constants included, as an exporter of the whole model would write them),
and reads the previous block's output where the block reads its input `x`
(`%arg12`); the function takes the first block's `x` last and returns the
last block's output.  The dialect resources (the causal mask) are shared.
The output is generated, not checked in: 24 blocks are about 3,500 ops.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOCK = ROOT.parent / "shared" / "corpus" / "torch" / "gpt2_block.tosa.mlir"
INPUT_ARG = 12  # the block's `x`; arguments 0..11 are its parameters

_SIGNATURE = re.compile(r"^\s*func\.func @(\w+)\((.*)\) -> (.*) \{$")
_ARG = re.compile(r"%arg(\d+): ([^,]+(?:<[^>]*>)?)")
_VALUE = re.compile(r"%(arg)?(\d+)\b")


def _split_block(text: str):
    """(signature line, body lines, return line, text after the function)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if _SIGNATURE.match(line))
    ret = next(i for i in range(start, len(lines)) if lines[i].strip().startswith("return "))
    end = ret + 1  # the function's closing brace
    return lines[start], lines[start + 1:ret], lines[ret], "\n".join(lines[end + 1:])


def chain(text: str, blocks: int) -> str:
    signature, body, ret, tail = _split_block(text)
    match = _SIGNATURE.match(signature)
    assert match, "the block's signature"
    arg_types = {int(i): t.strip() for i, t in _ARG.findall(match.group(2))}
    result_type = match.group(3).strip()
    returned = _VALUE.search(ret.split("return", 1)[1])
    assert returned and returned.group(1) is None, "the block returns an op result"

    def rename(line: str, b: int, x: str) -> str:
        def one(m: re.Match) -> str:
            if m.group(1):  # a block argument
                return x if int(m.group(2)) == INPUT_ARG else f"%b{b}_arg{m.group(2)}"
            return f"%b{b}_{m.group(2)}"
        return _VALUE.sub(one, line)

    params, out = [], []
    x = "%x"
    for b in range(blocks):
        params += [f"%b{b}_arg{i}: {arg_types[i]}" for i in sorted(arg_types) if i != INPUT_ARG]
        out += [rename(line, b, x) for line in body]
        x = f"%b{b}_{returned.group(2)}"
    params.append(f"%x: {arg_types[INPUT_ARG]}")
    head = f"module {{\n  func.func @gpt2_chain({', '.join(params)}) -> {result_type} {{"
    return "\n".join([head, *out, f"    return {x} : {result_type}", "  }", tail]) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=24)
    parser.add_argument("--block", type=Path, default=BLOCK, help="the GPT-2 block file")
    parser.add_argument("-o", "--output", type=Path, default=None, help="output file (default: stdout)")
    args = parser.parse_args(argv)
    if not args.block.exists():
        print(f"{args.block}: not found (the shared corpus is needed)", file=sys.stderr)
        return 1
    if args.blocks < 1:
        print("--blocks must be at least 1", file=sys.stderr)
        return 1
    text = chain(args.block.read_text(), args.blocks)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
