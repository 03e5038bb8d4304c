"""The plan as a picture: the dataflow graph of each function, nodes and
edges coloured by the sharding of the value they carry, the collectives a
plan needs written on the edges that pay them (drawn thick and red).

Two renderings of the same graph, both written here and deterministic:
- DOT, for graphviz (`dot -Tpng plan.dot`), laid out by graphviz;
- SVG, laid out here in layers (a node one row below its deepest input),
  so that no external tool is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

# Colour-blind-safe qualitative palette (Okabe-Ito, then Tol's muted).
_PALETTE = ("#56B4E9", "#E69F00", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
            "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499")
_REPLICATED = "[[]]"
_REPLICATED_COLOUR = "#DDDDDD"
_COLLECTIVE_COLOUR = "#C00000"


@dataclass(frozen=True)
class GNode:
    id: int
    label: str
    sharding: str
    is_argument: bool = False


@dataclass(frozen=True)
class GEdge:
    producer: int
    consumer: int
    sharding: str
    collectives: tuple[str, ...]


@dataclass(frozen=True)
class PlanGraph:
    title: str
    nodes: tuple[GNode, ...]
    edges: tuple[GEdge, ...]

    @classmethod
    def from_plan(cls, data: dict) -> "PlanGraph":
        nodes = []
        for row in data["ops"]:
            where = f" ({row['loc'].split(':', 1)[1]})" if row["loc"] else ""
            sharding = row["results"][0] if row["results"] else row["operands"][0]
            nodes.append(GNode(row["id"], f"{row['name']}{where}", sharding, row["kind"] == "arg"))
        edges = []
        for e in data["edges"]:
            names = tuple(f"{c['kind']}{c['axes']}" for c in (data["collectives"][i] for i in e["collectives"]))
            edges.append(GEdge(e["producer"], e["consumer"], e["sharding"], names))
        grid = data["grid"]
        title = f"@{data['function']} on @{grid['name']} ({'x'.join(map(str, grid['shape']))})"
        return cls(title, tuple(nodes), tuple(edges))


def _colours(graphs) -> dict[str, str]:
    """Sharding text -> colour, in order of first appearance (stable)."""
    colours: dict[str, str] = {_REPLICATED: _REPLICATED_COLOUR}
    for g in graphs:
        for s in [n.sharding for n in g.nodes] + [e.sharding for e in g.edges]:
            if s not in colours:
                colours[s] = _PALETTE[(len(colours) - 1) % len(_PALETTE)]
    return colours


def _dot_string(*lines: str) -> str:
    """A quoted DOT string; several lines are joined with DOT's line break."""
    quoted = (line.replace("\\", "\\\\").replace('"', '\\"') for line in lines)
    return '"' + "\\n".join(quoted) + '"'


def to_dot(graphs) -> str:
    colours = _colours(graphs)
    lines = ["digraph autoshard_plan {", "  rankdir=TB;", '  node [shape=box, style="rounded,filled", fontname="monospace"];',
             '  edge [fontname="monospace", fontsize=10];']
    for k, g in enumerate(graphs):
        lines.append(f"  subgraph cluster_{k} {{")
        lines.append(f"    label={_dot_string(g.title)};")
        for n in g.nodes:
            lines.append(f"    f{k}_n{n.id} [label={_dot_string(n.label, n.sharding)}, "
                         f"fillcolor={_dot_string(colours[n.sharding])}];")
        for e in g.edges:
            attrs = [f"color={_dot_string(colours[e.sharding])}"]
            if e.collectives:
                attrs = [f"color={_dot_string(_COLLECTIVE_COLOUR)}", "penwidth=2.5",
                         f"label={_dot_string(', '.join(e.collectives))}",
                         f"fontcolor={_dot_string(_COLLECTIVE_COLOUR)}"]
            lines.append(f"    f{k}_n{e.producer} -> f{k}_n{e.consumer} [{', '.join(attrs)}];")
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


# SVG layout, in pixels.
_CHAR_W, _NODE_H, _ROW_GAP, _COL_GAP, _MARGIN, _TITLE_H = 7.2, 38, 56, 24, 20, 28


@dataclass
class _Placed:
    node: GNode
    x: float
    y: float
    w: float


def _layout(g: PlanGraph, top: float) -> tuple[dict[int, _Placed], float, float]:
    """Places nodes in layers; returns (placements, width, bottom)."""
    preds: dict[int, list[int]] = {n.id: [] for n in g.nodes}
    for e in g.edges:
        if e.consumer in preds and e.producer in preds:
            preds[e.consumer].append(e.producer)
    order = sorted(g.nodes, key=lambda n: n.id)  # producers come first in node order
    layer: dict[int, int] = {}
    for n in order:
        layer[n.id] = 1 + max((layer.get(p, 0) for p in preds[n.id]), default=-1)
    # What does not depend on an argument (constants and what is computed
    # from them alone) sits just above its first user, not at the top.
    fed = {n.id for n in order if n.is_argument}
    for n in order:
        if any(p in fed for p in preds[n.id]):
            fed.add(n.id)
    users: dict[int, list[int]] = {n.id: [] for n in g.nodes}
    for consumer, producers in preds.items():
        for p in producers:
            users[p].append(consumer)
    for n in reversed(order):
        if n.id not in fed and users[n.id]:
            layer[n.id] = max(layer[n.id], min(layer[u] for u in users[n.id]) - 1)
    rows: dict[int, list[GNode]] = {}
    for n in sorted(g.nodes, key=lambda n: n.id):
        rows.setdefault(layer[n.id], []).append(n)
    placed: dict[int, _Placed] = {}
    width = 0.0
    for r in sorted(rows):
        x: float = _MARGIN
        y = top + r * (_NODE_H + _ROW_GAP)
        for n in rows[r]:
            w = _CHAR_W * max(len(n.label), len(n.sharding)) + 16
            placed[n.id] = _Placed(n, x, y, w)
            x += w + _COL_GAP
        width = max(width, x)
    bottom = top + (max(rows, default=-1) + 1) * (_NODE_H + _ROW_GAP)
    return placed, width, bottom


def to_svg(graphs) -> str:
    colours = _colours(graphs)
    body: list[str] = []
    top, width = float(_MARGIN), 0.0
    for g in graphs:
        body.append(f'<text x="{_MARGIN}" y="{top + 16:.1f}" font-weight="bold">{escape(g.title)}</text>')
        placed, w, bottom = _layout(g, top + _TITLE_H)
        width = max(width, w)
        for e in g.edges:
            a, b = placed.get(e.producer), placed.get(e.consumer)
            if a is None or b is None:
                continue
            x1, y1 = a.x + a.w / 2, a.y + _NODE_H
            x2, y2 = b.x + b.w / 2, b.y
            colour = _COLLECTIVE_COLOUR if e.collectives else colours[e.sharding]
            stroke = 2.5 if e.collectives else 1.2
            body.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
                        f'stroke-width="{stroke}" marker-end="url(#arrow)"/>')
            if e.collectives:
                label = escape(", ".join(e.collectives))
                body.append(f'<text x="{(x1 + x2) / 2 + 4:.1f}" y="{(y1 + y2) / 2:.1f}" font-size="10" '
                            f'fill="{_COLLECTIVE_COLOUR}">{label}</text>')
        for p in placed.values():
            body.append(f'<rect x="{p.x:.1f}" y="{p.y:.1f}" width="{p.w:.1f}" height="{_NODE_H}" rx="6" '
                        f'fill={quoteattr(colours[p.node.sharding])} stroke="#333333"/>')
            body.append(f'<text x="{p.x + 8:.1f}" y="{p.y + 15:.1f}">{escape(p.node.label)}</text>')
            body.append(f'<text x="{p.x + 8:.1f}" y="{p.y + 30:.1f}" font-size="10">{escape(p.node.sharding)}</text>')
        top = bottom + _MARGIN
    # Legend: one swatch per sharding.
    body.append(f'<text x="{_MARGIN}" y="{top + 12:.1f}" font-weight="bold">shardings</text>')
    top += 20
    for s, colour in colours.items():
        body.append(f'<rect x="{_MARGIN}" y="{top:.1f}" width="14" height="14" fill="{colour}" stroke="#333333"/>')
        body.append(f'<text x="{_MARGIN + 20}" y="{top + 11:.1f}" font-size="11">{escape(s)}</text>')
        width = max(width, _MARGIN + 20 + _CHAR_W * len(s))
        top += 18
    body.append(f'<text x="{_MARGIN}" y="{top + 12:.1f}" font-size="11" fill="{_COLLECTIVE_COLOUR}">'
                'thick red edge: collectives needed there</text>')
    height = top + 24
    width += _MARGIN
    head = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="monospace" font-size="12">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#333333"/></marker></defs>',
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="white"/>',
    ]
    return "\n".join(head + body + ["</svg>"]) + "\n"
