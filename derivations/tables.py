"""Tables whose cells are typeset from SymPy objects, so a glued table cannot drift from what was checked.

Glue the result as Markdown and paste it with MyST-NB's ``glue:md`` directive (``:format: myst``)::

    glue("key", IPython.display.Markdown(sympy_table(header, rows, caption=..., name=...)), display=False)
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from derivations.printing import latex


def cell(value: object) -> str:
    r"""One table cell: SymPy objects as inline math, a tuple as a point ``(a, b)``, a list as ``a, b``, text as is.

    >>> print(cell(sp.Matrix([[0, 1], [1, 0]])))
    $\left[\begin{matrix}0 & 1\\1 & 0\end{matrix}\right]$
    >>> print(cell((sp.pi / 2, -1)), cell([-1, 1]), cell("saddle point"))
    $\left(\frac{\pi}{2}, -1\right)$ $-1, 1$ saddle point
    """
    if isinstance(value, str):
        text = value
    elif isinstance(value, (tuple, list)):
        entries = ", ".join(latex(sp.sympify(v)) for v in value)
        text = f"$\\left({entries}\\right)$" if isinstance(value, tuple) else f"${entries}$"
    elif isinstance(value, (sp.Basic, sp.MatrixBase, int)) and not isinstance(value, bool):
        text = f"${latex(value)}$"
    else:
        raise ValueError(f"a table cell must be a SymPy object, an int, a tuple of them or text; got {value!r}")
    if "|" in text or "\n" in text:
        raise ValueError(f"a table cell cannot contain '|' or a line break: {text!r}")
    return text


def sympy_table(
    header: Sequence[str], rows: Sequence[Sequence[object]], *, caption: str | None = None, name: str | None = None
) -> str:
    r"""A Markdown pipe table of ``rows`` under ``header``; with a caption, wrapped in a MyST ``table`` directive.

    >>> print(sympy_table(["point", "H"], [[(0, 0), sp.eye(2)]]))
    | point | H |
    | --- | --- |
    | $\left(0, 0\right)$ | $\left[\begin{matrix}1 & 0\\0 & 1\end{matrix}\right]$ |
    """
    if any(len(row) != len(header) for row in rows):
        raise ValueError(f"every row needs {len(header)} cells, one per header entry")
    lines = [
        "| " + " | ".join(cell(h) for h in header) + " |",
        "| " + " | ".join("---" for _ in header) + " |",
        *("| " + " | ".join(cell(v) for v in row) + " |" for row in rows),
    ]
    table = "\n".join(lines)
    if caption is None:
        if name is not None:
            raise ValueError("a table needs a caption to carry a name")
        return table
    options = f":name: {name}\n" if name else ""
    return f"```{{table}} {caption}\n{options}\n{table}\n```"
