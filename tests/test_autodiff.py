"""The small autodiff engine: every operation's gradient against torch.autograd in float64, forward mode
against reverse mode, and a wrong local derivative or a lost accumulation being caught."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from experiments.autodiff import Dual, Tensor, check_against_autograd, forward_gradient, topological_order

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 4))
W = RNG.normal(size=(4, 2))
POSITIVE = RNG.uniform(0.5, 2.0, size=(3, 4))
UPSTREAM = RNG.normal(size=(3, 2))  # a random upstream gradient: a plain sum would hide some mistakes


@pytest.mark.parametrize(
    ("engine_op", "torch_op", "value"),
    [
        (lambda t: t.sigmoid(), torch.sigmoid, X),
        (lambda t: t.tanh(), torch.tanh, X),
        (lambda t: t.relu(), torch.relu, X),
        (lambda t: t.exp(), torch.exp, X),
        (lambda t: t.log(), torch.log, POSITIVE),
        (lambda t: t**3, lambda t: t**3, X),
        (lambda t: -t / 2.0 - 1.0, lambda t: -t / 2.0 - 1.0, X),
        (lambda t: t.logsumexp(axis=1), lambda t: torch.logsumexp(t, dim=1, keepdim=True), X),
        (lambda t: t.sum(axis=0), lambda t: t.sum(dim=0, keepdim=True), X),
    ],
)
def test_each_elementwise_and_reducing_operation_matches_autograd(engine_op, torch_op, value):
    weights = RNG.normal(size=torch_op(torch.tensor(value)).shape)
    check_against_autograd(
        lambda t: (engine_op(t) * Tensor(weights)).sum(),
        lambda t: (torch_op(t) * torch.tensor(weights)).sum(),
        {"x": value},
    )


def test_matmul_and_broadcast_addition_match_autograd():
    bias = RNG.normal(size=(1, 2))
    worst = check_against_autograd(
        lambda x, w, b: ((x @ w + b) * Tensor(UPSTREAM)).sum(),
        lambda x, w, b: ((x @ w + b) * torch.tensor(UPSTREAM)).sum(),
        {"X": X, "W": W, "b": bias},
    )
    assert worst < 1e-12


def test_a_softmax_cross_entropy_network_matches_f_cross_entropy():
    x, targets = RNG.normal(size=(5, 2)), np.array([0, 1, 1, 0, 1])
    onehot = np.eye(2)[targets]
    params = {
        "W": RNG.normal(size=(2, 3)),
        "a": RNG.normal(size=(1, 3)),
        "V": RNG.normal(size=(3, 2)),
        "b": RNG.normal(size=(1, 2)),
    }

    def engine_loss(W_, a, V, b):
        o = (Tensor(x) @ W_ + a).sigmoid() @ V + b
        return (o.logsumexp(axis=1) - (o * Tensor(onehot)).sum(axis=1)).sum() / 5.0

    def torch_loss(W_, a, V, b):
        return F.cross_entropy(torch.sigmoid(torch.tensor(x) @ W_ + a) @ V + b, torch.tensor(targets))

    check_against_autograd(engine_loss, torch_loss, params, name="l")


def test_a_value_used_twice_collects_both_contributions():
    w = Tensor(0.7)
    f = w * w + w.sigmoid() * w
    f.backward()
    s = 1 / (1 + np.exp(-0.7))
    assert abs(float(w.grad) - (2 * 0.7 + s * (1 - s) * 0.7 + s)) < 1e-15


def test_backward_twice_gives_the_same_gradient_and_needs_a_scalar():
    x = Tensor(X)
    f = (x.tanh() * x).sum()
    f.backward()
    first = x.grad.copy()
    f.backward()
    assert np.array_equal(first, x.grad)
    with pytest.raises(ValueError, match="needs a scalar"):
        (x * 2.0).backward()


def test_topological_order_puts_every_node_after_its_parents_once():
    a, b = Tensor(1.0), Tensor(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    assert len(order) == len({id(n) for n in order}) == 5
    position = {id(n): k for k, n in enumerate(order)}
    assert all(position[id(p)] < position[id(n)] for n in order for p in n._parents)


def test_forward_mode_takes_one_pass_per_input_entry_and_agrees_with_reverse_mode():
    def f(x, w):
        return ((x @ w).tanh() ** 2).logsumexp(axis=0).sum()

    grads, passes = forward_gradient(f, [X, W])
    assert passes == X.size + W.size
    x, w = Tensor(X), Tensor(W)
    f(x, w).backward()
    np.testing.assert_allclose(grads[0], x.grad, rtol=1e-12)
    np.testing.assert_allclose(grads[1], w.grad, rtol=1e-12)


def test_a_dual_number_carries_a_jacobian_vector_product():
    direction = RNG.normal(size=X.shape)
    out = Dual(X, direction).sigmoid().exp().log().relu() * 3.0 - 1.0
    # The function is entrywise, so its Jacobian is diagonal: autograd's gradient of the sum is that diagonal.
    t = torch.tensor(X, requires_grad=True)
    (diagonal,) = torch.autograd.grad((torch.relu(torch.sigmoid(t)) * 3.0 - 1.0).sum(), t)
    np.testing.assert_allclose(out.dot, diagonal.numpy() * direction, rtol=1e-12)
    with pytest.raises(ValueError, match="must be scalar"):
        forward_gradient(lambda x: x * 2.0, [np.ones(2)])


def test_a_wrong_local_derivative_is_caught(monkeypatch):
    def sigmoid_with_wrong_slope(self):  # σ′ written as σ: the classic slip
        s = 1 / (1 + np.exp(-self.data))
        return self._elementwise(s, lambda: s, "σ")

    monkeypatch.setattr(Tensor, "sigmoid", sigmoid_with_wrong_slope)
    with pytest.raises(AssertionError, match=r"∂f/∂x \(engine vs autograd\), entry \(1, 1\)"):
        check_against_autograd(lambda t: t.sigmoid().sum(), lambda t: torch.sigmoid(t).sum(), {"x": X})


def test_an_assignment_where_accumulation_belongs_is_caught():
    def mul_overwriting(a: Tensor, b: Tensor) -> Tensor:
        out = Tensor(a.data * b.data, (a, b), "×")

        def _backward():
            a.grad = out.grad * b.data  # = where += belongs
            b.grad = out.grad * a.data

        out._backward = _backward
        return out

    with pytest.raises(AssertionError, match="∂f/∂w"):
        check_against_autograd(lambda w: mul_overwriting(w, w), lambda w: w * w, {"w": 1.5})
