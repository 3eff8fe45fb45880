"""Rules of the book's LaTeX printer that chapters rely on."""

from __future__ import annotations

import sympy as sp

from derivations.printing import latex


def test_the_books_relu_derivative_prints_as_h0_and_sympys_heaviside_is_left_alone():
    z = sp.Symbol("z", real=True)
    assert latex(sp.Heaviside(z, 0)) == r"H_0\left(z\right)"
    assert latex(sp.Heaviside(z - 1, 0) ** 2) == r"H_0\left(z - 1\right)^{2}"
    assert latex(sp.Heaviside(z)) == r"\theta\left(z\right)"
