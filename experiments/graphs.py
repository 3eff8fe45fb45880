"""Computation graphs that run in torch and draw themselves with matplotlib.

A :class:`ComputationGraph` is a list of named nodes, each a leaf or a torch operation on earlier
nodes. :meth:`ComputationGraph.run` evaluates it and asks autograd for the derivative of the
output with respect to *every* node, so a figure annotated with those numbers shows the forward
and the backward pass as computed, not as typed.

>>> g = ComputationGraph()
>>> g.leaf("x", "$x$"); g.leaf("w", "$w$", kind="parameter")
>>> g.op("u", "$\\\\times$", ["w", "x"], lambda w, x: w * x)
>>> g.op("f", "$u^2$", ["u"], lambda u: u**2, kind="output")
>>> values, grads = g.run({"x": 3.0, "w": 2.0})
>>> values["f"], grads["w"], grads["x"]
(36.0, 36.0, 24.0)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D

#: Colours by node kind: what the reader feeds in, what is learned, what is computed, the result.
KIND_COLOURS = {"input": "#dbe9f6", "parameter": "#fde2c8", "op": "#eeeeee", "output": "#d5efd5"}
VALUE_COLOUR = "#1b6e1b"
GRAD_COLOUR = "#b2182b"


@dataclass
class Node:
    name: str
    label: str
    inputs: tuple[str, ...] = ()
    fn: Callable[..., torch.Tensor] | None = None
    kind: str = "op"


@dataclass
class ComputationGraph:
    """Nodes in the order they are computed (every input must be added before its consumer)."""

    nodes: dict[str, Node] = field(default_factory=dict)

    def leaf(self, name: str, label: str | None = None, *, kind: str = "input") -> None:
        """A node with no inputs: an input (``kind="input"``) or a parameter (``kind="parameter"``)."""
        self._add(Node(name, label if label is not None else name, (), None, kind))

    def op(
        self,
        name: str,
        label: str,
        inputs: Sequence[str],
        fn: Callable[..., torch.Tensor] | None = None,
        *,
        kind: str = "op",
    ) -> None:
        """A node computed by ``fn(*inputs)`` (``fn`` may be omitted for a graph that is only drawn)."""
        missing = [i for i in inputs if i not in self.nodes]
        if missing:
            raise ValueError(f"node {name!r} uses {missing}, which are not in the graph yet (add inputs first)")
        self._add(Node(name, label, tuple(inputs), fn, kind))

    def _add(self, node: Node) -> None:
        if node.name in self.nodes:
            raise ValueError(f"the graph already has a node named {node.name!r}")
        if node.kind not in KIND_COLOURS:
            raise ValueError(f"kind must be one of {sorted(KIND_COLOURS)}, not {node.kind!r}")
        self.nodes[node.name] = node

    @property
    def edges(self) -> list[tuple[str, str]]:
        return [(i, n.name) for n in self.nodes.values() for i in n.inputs]

    def consumers(self, name: str) -> list[str]:
        return [n.name for n in self.nodes.values() if name in n.inputs]

    def run(
        self, leaves: Mapping[str, object], output: str | None = None
    ) -> tuple[dict[str, object], dict[str, object]]:
        """Forward values of every node and the derivative of ``output`` (default: the last node) with
        respect to every node, by torch.autograd in float64. Scalars come back as floats, others as arrays.
        """
        output = output if output is not None else list(self.nodes)[-1]
        tensors: dict[str, torch.Tensor] = {}
        for node in self.nodes.values():
            if not node.inputs:
                if node.name not in leaves:
                    raise ValueError(f"no value given for the leaf {node.name!r}")
                tensors[node.name] = torch.as_tensor(leaves[node.name], dtype=torch.float64).clone().requires_grad_()
            elif node.fn is None:
                raise ValueError(f"node {node.name!r} has no function, so the graph cannot be run")
            else:
                tensors[node.name] = node.fn(*(tensors[i] for i in node.inputs))
        out = tensors[output]
        if out.numel() != 1:
            raise ValueError(f"the output node {output!r} must be a scalar; it has shape {tuple(out.shape)}")
        names = list(tensors)
        grads = torch.autograd.grad(out.reshape(()), [tensors[n] for n in names], allow_unused=True)
        values = {n: _plain(tensors[n]) for n in names}
        derivatives = {n: _plain(g if g is not None else torch.zeros_like(tensors[n])) for n, g in zip(names, grads)}
        return values, derivatives

    def layout(self, sweeps: int = 4) -> dict[str, tuple[float, float]]:
        """Left-to-right columns: an operation sits one column after its latest input, a leaf just before
        its first consumer. Within a column, nodes are ordered by the mean height of their neighbours
        (a few barycentre sweeps, as in Sugiyama's method), starting from the order they were added.
        """
        depth: dict[str, int] = {}
        for node in self.nodes.values():
            depth[node.name] = 1 + max((depth[i] for i in node.inputs), default=-1)
        for node in self.nodes.values():
            users = self.consumers(node.name)
            if not node.inputs and users:
                depth[node.name] = max(0, min(depth[u] for u in users) - 1)
        columns: dict[int, list[str]] = {}
        for name in self.nodes:
            columns.setdefault(depth[name], []).append(name)
        neighbours = {n: [*self.nodes[n].inputs, *self.consumers(n)] for n in self.nodes}

        def place(names: list[str]) -> None:
            top = (len(names) - 1) / 2
            for k, n in enumerate(names):
                y[n] = top - k

        y: dict[str, float] = {}
        for names in columns.values():
            place(names)
        order = sorted(columns)
        for sweep in range(sweeps):
            for d in order if sweep % 2 == 0 else order[::-1]:
                names = columns[d]
                key = {n: -np.mean([y[m] for m in neighbours[n]]) if neighbours[n] else 0.0 for n in names}
                columns[d] = sorted(names, key=lambda n: key[n])  # stable: ties keep the current order
                place(columns[d])
        return {n: (float(depth[n]), float(y[n])) for n in self.nodes}


def _plain(t: torch.Tensor) -> object:
    t = t.detach()
    return float(t) if t.numel() == 1 else t.numpy().copy()


def _text(value: object, fmt: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (float, int, np.floating, np.integer)):
        return format(float(value), fmt)
    return np.array2string(np.asarray(value, dtype=float), precision=3, separator=", ")


# A number above or below a node hides the stretch of an arrow that passes behind it, so it stays readable.
ON_TOP: dict[str, Any] = {"zorder": 2, "bbox": {"fc": "white", "ec": "none", "pad": 0.5}}


def draw_graph(
    graph: ComputationGraph,
    *,
    values: Mapping[str, object] | None = None,
    grads: Mapping[str, object] | None = None,
    grad_label: str = "∂f/∂·",
    positions: Mapping[str, tuple[float, float]] | None = None,
    fmt: str = ".6f",
    ax: plt.Axes | None = None,
    figsize: tuple[float, float] | None = None,
    downward: bool = False,
    label_size: float | None = None,
) -> Figure | SubFigure:
    """Draw ``graph``: boxes for nodes (coloured by kind), arrows for edges, and, when given, each node's
    forward value (green, above) and the output's derivative with respect to it (red, below).

    ``positions`` overrides :meth:`ComputationGraph.layout` for some or all nodes. ``downward=True`` draws
    the graph from top to bottom (a layout column becomes a row, ``positions`` are then taken as drawn),
    with the forward value left of each node and the derivative right of it: a narrow figure that stays
    legible in a phone's column. ``label_size`` (points) sets the values' and the legend's type: 11 by
    default downward, 9 otherwise (a figure drawn narrow for a phone's column can afford 11).
    """
    label_size = label_size or (11 if downward else 9)
    pos = graph.layout()
    if downward:
        pos = {name: (-y * 1.8, -x) for name, (x, y) in pos.items()}
    pos.update(positions or {})
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    if ax is None:
        width = figsize or (2.0 + 1.9 * (max(xs) - min(xs) + 1), 1.0 + 1.25 * (max(ys) - min(ys) + 1))
        fig: Figure | SubFigure
        fig, ax = plt.subplots(figsize=width)
    else:
        fig = ax.figure
    for src, dst in graph.edges:
        (x0, y0), (x1, y1) = pos[src], pos[dst]
        along, across = (y0 - y1, x1 - x0) if downward else (x1 - x0, y1 - y0)
        bend = 0.0 if abs(along) <= 1.01 else (0.25 if across >= 0 else -0.25)
        ax.annotate(
            "",
            xy=(x1, y1),
            xytext=(x0, y0),
            arrowprops={
                "arrowstyle": "-|>",
                "color": "#555555",
                "lw": 1.1,
                "shrinkA": 17,
                "shrinkB": 17,
                "connectionstyle": f"arc3,rad={bend}",
            },
            zorder=1,
        )
    for name, node in graph.nodes.items():
        x, y = pos[name]
        ax.text(
            x,
            y,
            node.label,
            ha="center",
            va="center",
            fontsize=12,
            zorder=3,
            bbox={"boxstyle": "round,pad=0.45", "fc": KIND_COLOURS[node.kind], "ec": "#444444", "lw": 1.0},
        )
        if values is not None and name in values:
            value = _text(values[name], fmt)
            if downward:
                ax.text(x - 0.45, y, value, ha="right", va="center", fontsize=label_size, color=VALUE_COLOUR)
            else:
                ax.text(x, y + 0.3, value, ha="center", va="bottom", fontsize=label_size, color=VALUE_COLOUR, **ON_TOP)
        if grads is not None and name in grads:
            grad = _text(grads[name], fmt)
            if downward:
                ax.text(x + 0.45, y, grad, ha="left", va="center", fontsize=label_size, color=GRAD_COLOUR)
            else:
                ax.text(x, y - 0.3, grad, ha="center", va="top", fontsize=label_size, color=GRAD_COLOUR, **ON_TOP)
    where_value, where_grad = ("left", "right") if downward else ("above", "below")
    handles = []
    if values is not None:
        handles.append(
            Line2D([], [], ls="none", marker="s", color=VALUE_COLOUR, label=f"forward value ({where_value})")
        )
    if grads is not None:
        handles.append(Line2D([], [], ls="none", marker="s", color=GRAD_COLOUR, label=f"{grad_label} ({where_grad})"))
    if handles:
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            ncol=1 if downward else 2,
            frameon=False,
            fontsize=label_size,
        )
    margin = 1.0 if downward else 0.6
    ax.set_xlim(min(xs) - margin, max(xs) + margin)
    ax.set_ylim(min(ys) - 0.7, max(ys) + 0.7)
    ax.axis("off")
    return fig
