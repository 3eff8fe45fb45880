"""A pre-LN transformer block in NumPy, forward and backward, the backward pass assembled by hand from derived pieces.

The block is PyTorch's ``nn.TransformerEncoderLayer(norm_first=True, activation="gelu", dropout=0.0)`` with a causal
mask: ``x₁ = x + MHA(LN₁(x))`` and ``y = x₁ + W₂ GELU(W₁ LN₂(x₁) + b₁) + b₂``. Parameters are NumPy arrays keyed by
the module's own parameter names, so gradients compare name by name. :func:`block_backward` uses no autograd: it
chains the functions of a :class:`Pieces`, which :func:`compiled_pieces` compiles from the book's SymPy results.

>>> layer = encoder_layer(8, 2, 16, seed=0)
>>> params = parameters_of(layer)
>>> x = np.random.default_rng(0).standard_normal((2, 3, 8))
>>> y, cache = block_forward(x, params, heads=2)
>>> grads = block_backward(np.ones_like(y), cache, params, heads=2, pieces=compiled_pieces(8))
>>> sorted(grads) == sorted([*params, "input"])
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import sympy as sp
import torch
from scipy.special import erf
from torch import nn

from checks import assert_close
from checks.compiled import compile_numeric
from derivations.attention import compact_forms, d, dv
from derivations.attention import m as keys
from derivations.attention import n as queries
from derivations.attention import names as attention_names
from derivations.losses import derive_gelu
from derivations.normalization import compact_names, layer_norm_compact, s
from derivations.transformer import D_in, D_out, linear_forms, linear_names, row_sum_forms, rows

EPS = 1e-5  # nn.TransformerEncoderLayer's default layer_norm_eps


# ---- forward: the block as a composition of small functions ----


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Each row normalized over its features (biased variance), then scaled and shifted; returns ``(x̂, s)`` too."""
    mean = x.mean(-1, keepdims=True)
    scale = np.sqrt(((x - mean) ** 2).mean(-1, keepdims=True) + EPS)
    xhat = (x - mean) / scale
    return xhat * weight + bias, (xhat, scale)


def linear(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """``x Wᵀ + b`` on the last axis, as ``nn.Linear``."""
    return x @ weight.T + bias


def gelu(z: np.ndarray) -> np.ndarray:
    """Exact GELU, ``z Φ(z)``."""
    return z * (1 + erf(z / np.sqrt(2))) / 2


def causal_softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax of ``scores`` with every key after the query masked out (probability exactly 0)."""
    later = np.triu(np.ones(scores.shape[-2:], dtype=bool), k=1)
    masked = np.where(later, -np.inf, scores)
    weights = np.exp(masked - masked.max(-1, keepdims=True))
    return weights / weights.sum(-1, keepdims=True)


def split_heads(t: np.ndarray, heads: int) -> np.ndarray:
    """``(B, T, D)`` → ``(B, heads, T, D/heads)``: head ``h`` owns columns ``h·D/heads`` to ``(h+1)·D/heads − 1``."""
    batch, tokens, width = t.shape
    return t.reshape(batch, tokens, heads, width // heads).transpose(0, 2, 1, 3)


def merge_heads(t: np.ndarray) -> np.ndarray:
    """The inverse of :func:`split_heads`: the heads' columns side by side again."""
    batch, heads, tokens, width = t.shape
    return t.transpose(0, 2, 1, 3).reshape(batch, tokens, heads * width)


def self_attention(A: np.ndarray, params: dict, heads: int) -> tuple[np.ndarray, dict]:
    """Causal multi-head self-attention as ``nn.MultiheadAttention``: one packed projection to Q, K, V (rows of
    ``in_proj_weight`` in that order), scaled dot-product attention per head, concatenation, output projection."""
    QKV = linear(A, params["self_attn.in_proj_weight"], params["self_attn.in_proj_bias"])
    Q, K, V = np.split(QKV, 3, axis=-1)
    Qh, Kh, Vh = (split_heads(t, heads) for t in (Q, K, V))
    P = causal_softmax(Qh @ Kh.swapaxes(-1, -2) / np.sqrt(Qh.shape[-1]))
    concat = merge_heads(P @ Vh)
    out = linear(concat, params["self_attn.out_proj.weight"], params["self_attn.out_proj.bias"])
    return out, {"A": A, "Q": Qh, "K": Kh, "V": Vh, "P": P, "concat": concat}


@dataclass
class BlockCache:
    """What the forward pass keeps for the backward pass."""

    norm1: tuple
    attention: dict
    norm2: tuple
    B: np.ndarray
    z: np.ndarray


def block_forward(x: np.ndarray, params: dict, heads: int) -> tuple[np.ndarray, BlockCache]:
    """The pre-LN block on ``x`` of shape ``(B, T, D)``: two residual branches, each behind its own layer norm."""
    A, norm1 = layer_norm(x, params["norm1.weight"], params["norm1.bias"])
    attended, attention = self_attention(A, params, heads)
    x1 = x + attended
    B, norm2 = layer_norm(x1, params["norm2.weight"], params["norm2.bias"])
    z = linear(B, params["linear1.weight"], params["linear1.bias"])
    y = x1 + linear(gelu(z), params["linear2.weight"], params["linear2.bias"])
    return y, BlockCache(norm1, attention, norm2, B, z)


# ---- backward: the derived pieces, compiled, and chained by hand ----


@dataclass(frozen=True)
class Pieces:
    """The backward pass's building blocks, each a NumPy function of the names in its derived formula."""

    layer_norm_input: Callable  # (g, x̂, 1, γ, s) for one row as columns → dL/dx
    layer_norm_weight: Callable  # (G, X̂, 1) over rows → dγ
    layer_norm_bias: Callable  # (G, 1) → dβ
    gelu_prime: Callable  # z → GELU′(z), entrywise
    linear_input: Callable  # (G, W) → dX
    linear_weight: Callable  # (G, X) → dW
    linear_bias: Callable  # (G, 1) → db
    dV: Callable  # (P, G) → dV
    dP: Callable  # (G, V) → dP
    dS: Callable  # (P, dP, 1) → dS
    dQ: Callable  # (dS, K, d_h) → dQ
    dK: Callable  # (dS, Q, d_h) → dK


@cache
def compiled_pieces(width: int) -> Pieces:
    """Every piece compiled with ``lambdify`` from the derived SymPy object itself; layer norm at ``width`` features.

    The arguments keep their names in the generated source (``P``, ``dP``, ``one`` for the all-ones column).
    """
    numpy = "numpy"
    g_v, xhat_v, one = compact_names(width)
    ln_input, weight = layer_norm_compact(width)
    L = linear_names((rows, D_in, D_out))[0]
    ln = row_sum_forms((rows, D_in, D_out))
    lin = linear_forms((rows, D_in, D_out))
    A = attention_names((queries, keys, d, dv))[0]
    att = compact_forms((queries, keys, d, dv))
    x = sp.Symbol("x", real=True)

    def named(expr, **args: sp.Basic) -> Callable:  # compiled, its arguments under these names
        return compile_numeric(list(args.values()), expr, numpy, names=list(args))

    return Pieces(
        layer_norm_input=named(ln_input, g=g_v, xhat=xhat_v, one=one, gamma=weight, s=s),
        layer_norm_weight=named(ln["dgamma"], G=L["G"], Xhat=L[r"\hat{X}"], one=L["1"]),
        layer_norm_bias=named(ln["dbeta"], G=L["G"], one=L["1"]),
        gelu_prime=compile_numeric([x], derive_gelu(x).result, ["scipy", numpy], names=["z"]),
        linear_input=named(lin["dX"], G=L["G"], W=L["W"]),
        linear_weight=named(lin["dW"], G=L["G"], X=L["X"]),
        linear_bias=named(lin["db"], G=L["G"], one=L["1"]),
        dV=named(att["dV"], P=A["P"], G=A["G"]),
        dP=named(att["dP"], G=A["G"], V=A["V"]),
        dS=named(att["dS"], P=A["P"], dP=A[r"\mathrm{d}P"], one=A["1"]),
        dQ=named(att["dQ"], dS=A[r"\mathrm{d}S"], K=A["K"], d_h=d),
        dK=named(att["dK"], dS=A[r"\mathrm{d}S"], Q=A["Q"], d_h=d),
    )


def ones(count: int) -> np.ndarray:
    """The all-ones column ``1`` of ``count`` entries, as the derived formulas take it."""
    return np.ones((count, 1))


def linear_backward(dY: np.ndarray, X: np.ndarray, W: np.ndarray, pieces: Pieces) -> tuple[np.ndarray, ...]:
    """``dX``, ``dW``, ``db`` of ``Y = XWᵀ + b``; every token of every example is one row ``N = B·T``."""
    G, X_rows = dY.reshape(-1, dY.shape[-1]), X.reshape(-1, X.shape[-1])
    dX = pieces.linear_input(G, W).reshape(X.shape)
    return dX, pieces.linear_weight(G, X_rows), pieces.linear_bias(G, ones(len(G))).ravel()


def layer_norm_backward(dY: np.ndarray, saved: tuple, weight: np.ndarray, pieces: Pieces) -> tuple[np.ndarray, ...]:
    """``dx``, ``dγ``, ``dβ`` of layer norm: the input gradient row by row, the parameters summed over rows."""
    xhat, scale = (t.reshape(-1, t.shape[-1]) for t in saved)
    G = dY.reshape(xhat.shape)
    width = xhat.shape[1]
    dx = np.stack([
        pieces.layer_norm_input(g[:, None], xh[:, None], ones(width), weight[:, None], sc[0]).ravel()
        for g, xh, sc in zip(G, xhat, scale, strict=True)
    ])  # fmt: skip
    count = ones(len(G))
    return (
        dx.reshape(dY.shape),
        pieces.layer_norm_weight(G, xhat, count).ravel(),
        pieces.layer_norm_bias(G, count).ravel(),
    )


def attention_backward(dO: np.ndarray, saved: dict, heads: int, pieces: Pieces) -> tuple[np.ndarray, ...]:
    """``dQ``, ``dK``, ``dV`` of every head of every example, each head by the single-head formulas at its width."""
    O_grad = split_heads(dO, heads)
    grads = {name: np.zeros_like(saved[name]) for name in "QKV"}
    width = saved["Q"].shape[-1]  # the head's width d_h: scale 1/√d_h
    for b in range(O_grad.shape[0]):
        for h in range(heads):
            P, G = saved["P"][b, h], O_grad[b, h]
            Q, K, V = (saved[name][b, h] for name in "QKV")
            # causal mask: P = 0 there, so dS = P ⊙ (…) = 0 too
            dS = pieces.dS(P, pieces.dP(G, V), ones(P.shape[1]))
            grads["Q"][b, h] = pieces.dQ(dS, K, width)
            grads["K"][b, h] = pieces.dK(dS, Q, width)
            grads["V"][b, h] = pieces.dV(P, G)
    return tuple(merge_heads(grads[name]) for name in "QKV")


def block_backward(dy: np.ndarray, cache: BlockCache, params: dict, heads: int, pieces: Pieces) -> dict:
    """The gradient of ``L = Σ dy ⊙ y`` for every parameter (by its PyTorch name) and the input, without autograd."""
    grads = {}

    def through_linear(d_out, x, weight):  # returns dx; keeps dW and db under the layer's names
        bias = weight.replace("weight", "bias")
        d_x, grads[weight], grads[bias] = linear_backward(d_out, x, params[weight], pieces)
        return d_x

    def through_norm(d_out, saved, weight):  # returns dx; keeps dγ and dβ
        bias = weight.replace("weight", "bias")
        d_x, grads[weight], grads[bias] = layer_norm_backward(d_out, saved, params[weight], pieces)
        return d_x

    # y = x₁ + MLP(LN₂(x₁)): dy reaches x₁ along the identity
    # path and through the MLP branch
    d_gelu = through_linear(dy, gelu(cache.z), "linear2.weight")
    d_z = d_gelu * pieces.gelu_prime(cache.z)
    d_B = through_linear(d_z, cache.B, "linear1.weight")
    # the two paths' gradients add:
    d_x1 = dy + through_norm(d_B, cache.norm2, "norm2.weight")
    # x₁ = x + MHA(LN₁(x)): the same at the attention branch
    saved = cache.attention
    d_heads = through_linear(d_x1, saved["concat"], "self_attn.out_proj.weight")
    dQ, dK, dV = attention_backward(d_heads, saved, heads, pieces)
    d_qkv = np.concatenate([dQ, dK, dV], axis=-1)  # side by side, as QKV
    d_A = through_linear(d_qkv, saved["A"], "self_attn.in_proj_weight")
    grads["input"] = d_x1 + through_norm(d_A, cache.norm1, "norm1.weight")
    return grads


# ---- the reference: PyTorch's module and its autograd ----


def encoder_layer(width: int, heads: int, hidden: int, *, seed: int) -> nn.TransformerEncoderLayer:
    """PyTorch's pre-LN encoder layer in float64, GELU, no dropout, every parameter (biases and norms too) random."""
    torch.manual_seed(seed)
    layer = nn.TransformerEncoderLayer(
        width, heads, hidden, dropout=0.0, activation="gelu", norm_first=True, batch_first=True, dtype=torch.float64
    )
    with torch.no_grad():
        for name, parameter in layer.named_parameters():
            if "bias" in name or "norm" in name:  # 0 and 1 at initialization would hide a wrong formula
                parameter.copy_(torch.randn_like(parameter) * 0.5 + (1.0 if name.endswith("norm1.weight") else 0.0))
    return layer


def parameters_of(layer: nn.Module) -> dict[str, np.ndarray]:
    """The module's parameters as NumPy copies, under the module's own names."""
    return {name: p.detach().numpy().copy() for name, p in layer.named_parameters()}


def reference_gradients(layer: nn.TransformerEncoderLayer, x: np.ndarray, dy: np.ndarray) -> tuple[np.ndarray, dict]:
    """The module's causal output on ``x``, and autograd's gradients of ``Σ dy ⊙ output`` (input, then parameters)."""
    tokens = x.shape[1]
    mask = nn.Transformer.generate_square_subsequent_mask(tokens, dtype=torch.float64)  # −∞ above the diagonal
    inputs = torch.tensor(x, requires_grad=True)
    out = layer(inputs, src_mask=mask, is_causal=True)
    names, tensors = zip(*layer.named_parameters(), strict=True)
    found = torch.autograd.grad((torch.tensor(dy) * out).sum(), [inputs, *tensors])
    grads = {name: g.numpy() for name, g in zip(("input", *names), found, strict=True)}
    return out.detach().numpy(), grads


def block_gradients(
    width: int, heads: int, hidden: int, batch: int, tokens: int, *, seed: int, pieces: Pieces
) -> tuple[dict, dict]:
    """:func:`block_backward`'s gradients and autograd's through the module, for a random block, input and ``dy``."""
    layer = encoder_layer(width, heads, hidden, seed=seed)
    params = parameters_of(layer)
    rng = np.random.default_rng(seed)
    x, dy = rng.standard_normal((2, batch, tokens, width))
    _, reference = reference_gradients(layer, x, dy)
    _, saved = block_forward(x, params, heads)
    return block_backward(dy, saved, params, heads, pieces), reference


def normwise_errors(got: dict, expected: dict) -> dict[str, float]:
    """Each gradient's largest error relative to its largest entry, ``max |got − expected| / max |expected|``."""
    return {name: float(np.abs(got[name] - ref).max() / np.abs(ref).max()) for name, ref in expected.items()}


def assert_gradients_match(got: dict, expected: dict, *, rtol: float = 1e-9) -> dict[str, float]:
    """Assert every gradient matches, naming each parameter that does not; return :func:`normwise_errors`.

    An entry may be off by ``rtol`` times the gradient's largest entry, so that an entry near zero in an otherwise
    large gradient is not judged on its round-off alone. Every gradient is compared before failing, so the message
    lists all that disagree, and the ones that agree locate the broken piece.
    """
    failures = []
    for name, reference in expected.items():
        try:
            assert_close(
                got[name], reference, name=f"∂L/∂{name}", rtol=rtol, atol=rtol * float(np.abs(reference).max())
            )
        except AssertionError as error:
            failures.append(str(error))
    if failures:
        agree = len(expected) - len(failures)
        raise AssertionError(
            f"{len(failures)} of {len(expected)} gradients disagree with autograd ({agree} agree):\n"
            + "\n".join(failures)
        )
    return normwise_errors(got, expected)
