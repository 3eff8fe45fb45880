"""The symbolic side of the book: SymPy definitions and step-checked derivations."""

from derivations.display import AnswerBox, Equation
from derivations.indexed import instantiate
from derivations.steps import Derivation, StepError, verify_equal
from derivations.symbols import matrix_symbols, vector_symbols

__all__ = [
    "AnswerBox",
    "Derivation",
    "Equation",
    "StepError",
    "instantiate",
    "matrix_symbols",
    "vector_symbols",
    "verify_equal",
]
