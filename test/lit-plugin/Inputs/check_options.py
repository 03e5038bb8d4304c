"""Checks that the plugin registers exactly the Python passes and options:
names, summaries, option kinds, help texts (mlir-opt --help) and defaults
(--dump-pass-pipeline), against `autoshard.plugin_entry.describe()`.

    check_options.py <mlir-opt> <plugin>

Prints every difference and exits 1 if there is one (a stale plugin:
rebuild it)."""

import re
import subprocess
import sys

from autoshard.plugin_entry import describe

# How mlir-opt's --help spells the value of each kind.
HELP_TYPES = {"Bool": "", "Int": "=<long>", "Float": "=<number>", "String": "=<string>"}


def help_sections(help_text: str) -> dict[str, tuple[str, dict[str, tuple[str, str]]]]:
    """pass -> (summary, {option: (value spelling, help)}) from --help."""
    sections, current = {}, None
    for line in help_text.splitlines():
        if m := re.match(r"^ {6}--([\w.-]+)\s+-   (.*)$", line):
            current = m[1]
            sections[current] = (m[2], {})
        elif current and (m := re.match(r"^ {8}--([\w.-]+)(=<\w+>)?\s+- (.*)$", line)):
            sections[current][1][m[1]] = (m[2] or "", m[3])
        else:
            current = None
    return sections


def dumped_defaults(mlir_opt: str, plugin: str, names: list[str]) -> dict[str, dict[str, str]]:
    """pass -> {option: default text} from --dump-pass-pipeline."""
    run = subprocess.run([mlir_opt, f"--load-pass-plugin={plugin}", "--dump-pass-pipeline",
                          f"--pass-pipeline=builtin.module({','.join(names)})"],
                         input="module {}", capture_output=True, text=True)
    defaults = {}
    for m in re.finditer(r"^\s*([\w.-]+)(?:\{(.*)\})?,?$", run.stderr, re.M):
        if m[1] in names:
            defaults[m[1]] = dict(re.findall(r"([\w-]+)=(\S*)", m[2] or ""))
    return defaults


def same_default(kind: str, python_default, text: str) -> bool:
    if kind == "Float":
        return float(text) == float(python_default)
    if kind == "Int":
        return int(text) == python_default
    if kind == "Bool":
        return text == ("true" if python_default else "false")
    return text == python_default


def main(mlir_opt: str, plugin: str) -> int:
    passes = describe()
    help_text = subprocess.run([mlir_opt, f"--load-pass-plugin={plugin}", "--help"],
                               capture_output=True, text=True, check=True).stdout
    sections = help_sections(help_text)
    defaults = dumped_defaults(mlir_opt, plugin, [p["name"] for p in passes])
    problems = []
    for p in passes:
        name = p["name"]
        if name not in sections:
            problems.append(f"pass '{name}' is not registered by the plugin")
            continue
        summary, options = sections[name]
        if summary != p["summary"]:
            problems.append(f"pass '{name}': summary {summary!r} != {p['summary']!r}")
        expected = {o["name"]: o for o in p["options"]}
        for extra in sorted(set(options) - set(expected)):
            problems.append(f"pass '{name}': the plugin has option '{extra}', Python does not")
        for o in p["options"]:
            got = options.get(o["name"])
            if got is None:
                problems.append(f"pass '{name}': option '{o['name']}' missing in the plugin")
                continue
            if got != (HELP_TYPES[o["kind"]], o["help"]):
                problems.append(f"pass '{name}': option '{o['name']}' is {got}, Python says "
                                f"{(HELP_TYPES[o['kind']], o['help'])}")
            text = defaults.get(name, {}).get(o["name"])
            if text is None or not same_default(o["kind"], o["default"], text):
                problems.append(f"pass '{name}': option '{o['name']}' defaults to {text!r} in the plugin, "
                                f"{o['default']!r} in Python")
    print("\n".join(problems) if problems else f"{len(passes)} passes agree")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
