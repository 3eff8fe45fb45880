"""The house printer's rules for matrix expressions that chapters display compactly."""

import sympy as sp

from derivations.printing import latex

p = sp.MatrixSymbol("p", 3, 1)
x = sp.MatrixSymbol("x", 3, 1)


def test_diag_of_a_vector_prints_as_diag():
    assert (
        latex(sp.DiagMatrix(p) - p * p.T)
        == r"\operatorname{diag}\left(\mathbf{p}\right) - \mathbf{p} \mathbf{p}^{\top}"
    )


def test_elementwise_function_prints_applied_to_the_vector():
    assert latex(x.applyfunc(sp.exp)) == r"e^{\mathbf{x}}"
    assert latex(sp.DiagMatrix(x.applyfunc(sp.exp))) == r"\operatorname{diag}\left(e^{\mathbf{x}}\right)"
    assert latex(x.applyfunc(sp.tanh)) == r"\tanh{\left(\mathbf{x} \right)}"
