"""Computation graphs: autograd values at every node, layout, and drawing."""

import matplotlib
import pytest
import torch

from experiments.graphs import ComputationGraph, draw_graph

matplotlib.use("Agg")


def neuron() -> ComputationGraph:
    g = ComputationGraph()
    g.leaf("x", "$x$")
    g.leaf("w", "$w$", kind="parameter")
    g.op("u", r"$\times$", ["w", "x"], torch.mul)
    g.op("s", r"$\sigma$", ["u"], torch.sigmoid)
    g.op("f", "$+$", ["s", "w"], torch.add, kind="output")
    return g


def test_run_returns_values_and_derivatives_at_every_node():
    values, grads = neuron().run({"x": 2.0, "w": 0.5})
    s = torch.sigmoid(torch.tensor(1.0, dtype=torch.float64)).item()
    assert values["u"] == 1.0 and abs(values["f"] - (s + 0.5)) < 1e-15
    assert grads["f"] == 1.0 and grads["s"] == 1.0
    assert abs(grads["u"] - s * (1 - s)) < 1e-15
    assert abs(grads["w"] - (s * (1 - s) * 2.0 + 1.0)) < 1e-15  # two paths add up


def test_unused_nodes_get_zero_derivative_and_vectors_come_back_as_arrays():
    g = ComputationGraph()
    g.leaf("v", "v")
    g.leaf("unused", "unused")
    g.op("n", "n", ["v"], lambda t: (t**2).sum(), kind="output")
    values, grads = g.run({"v": [1.0, 2.0], "unused": 3.0})
    assert grads["unused"] == 0.0 and grads["v"].tolist() == [2.0, 4.0] and values["n"] == 5.0


def test_graph_errors_name_the_problem():
    g = neuron()
    with pytest.raises(ValueError, match="no value given for the leaf 'w'"):
        g.run({"x": 1.0})
    with pytest.raises(ValueError, match="already has a node"):
        g.leaf("x")
    with pytest.raises(ValueError, match="not in the graph yet"):
        g.op("y", "y", ["nowhere"])
    with pytest.raises(ValueError, match="kind must be one of"):
        g.leaf("q", kind="constant")
    drawn_only = ComputationGraph()
    drawn_only.leaf("a")
    drawn_only.op("b", "b", ["a"])
    with pytest.raises(ValueError, match="no function"):
        drawn_only.run({"a": 1.0})
    vector = ComputationGraph()
    vector.leaf("a")
    vector.op("b", "b", ["a"], lambda t: 2 * t)
    with pytest.raises(ValueError, match="must be a scalar"):
        vector.run({"a": [1.0, 2.0]})


def test_layout_puts_operations_after_their_inputs_and_leaves_before_their_consumers():
    pos = neuron().layout()
    assert pos["x"][0] == pos["w"][0] == 0 and pos["u"][0] == 1 and pos["s"][0] == 2 and pos["f"][0] == 3
    assert len(set(pos.values())) == len(pos)  # no two nodes on the same spot


def test_draw_graph_shows_values_and_derivatives():
    g = neuron()
    values, grads = g.run({"x": 2.0, "w": 0.5})
    fig = draw_graph(g, values=values, grads=grads, fmt=".3f", positions={"x": (0.0, 2.0)})
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"$x$", "2.000", "0.500", f"{grads['w']:.3f}"} <= texts
    assert fig.axes[0].get_legend() is not None
    structure_only = draw_graph(g)
    assert structure_only.axes[0].get_legend() is None


def test_draw_graph_downward_puts_layers_in_rows_and_numbers_beside_the_nodes():
    g = neuron()
    values, grads = g.run({"x": 2.0, "w": 0.5})
    fig = draw_graph(g, values=values, grads=grads, fmt=".3f", downward=True)
    ax = fig.axes[0]
    at = {t.get_text(): t.get_position() for t in ax.texts}
    assert at["$x$"][1] > at["$+$"][1]  # the input is drawn above the output
    value_x, value_y = at[f"{values['x']:.3f}"]
    grad_x, grad_y = at[f"{grads['x']:.3f}"]
    assert value_x < at["$x$"][0] < grad_x and value_y == grad_y == at["$x$"][1]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0].endswith("(left)") and legend[1].endswith("(right)")


def test_draw_graph_numbers_take_the_label_size_and_cover_the_arrows_behind_them():
    g = neuron()
    values, grads = g.run({"x": 2.0, "w": 0.5})
    fig = draw_graph(g, values=values, grads=grads, fmt=".3f", label_size=11)
    ax = fig.axes[0]
    number = next(t for t in ax.texts if t.get_text() == f"{values['x']:.3f}")
    arrows = [a for a in ax.texts if not a.get_text()]
    assert number.get_fontsize() == 11 and number.get_zorder() > max(a.get_zorder() for a in arrows)
    assert number.get_bbox_patch().get_facecolor()[:3] == (1.0, 1.0, 1.0)
    assert all(t.get_fontsize() == 11 for t in ax.get_legend().get_texts())
