"""Which displayed results a check's claim was built from: the link between a page's equations and its checks.

A chapter glues a result with :func:`derivations.glue`, which registers the SymPy object under the
display's key. From then on the object is followed through SymPy's own ways of making a claim out of it
(``subs``, ``xreplace``, ``replace``, ``rewrite``, ``doit``, ``evalf``, ``applyfunc``, ``diff``, ``float``,
``lambdify``) and through the book's (:func:`derivations.instantiate`,
:func:`derivations.compact.expand_meaning`): what these return from a registered object is registered
under the same keys. A check then asks :func:`origins` of its claim and records the keys in the
verification ledger, where the build decides which displays are bound.

Objects are matched by value, not identity: a claim that is, entry for entry, an instance of a display is
linked to it however it was obtained, and a claim typed again beside a display is linked only while it
equals the display. Change the display and the retyped claim no longer matches it, so the display is
unbound and the build says so. A bare symbol is never matched (the derivative of ``x y`` in ``y`` is ``x``,
which many claims contain). Numbers are matched by their float64 value, except those so plain (0, ±1,
small integers and halves) that a coincidence would be likely; an array of numbers only if all its other
entries match. A SymPy matrix made only of such plain numbers (a Hessian at a critical point, a minimiser
(0, 1)) has no entry to be matched by, so it is matched as a whole: by its exact SymPy value, never as an
array of floats (a reference computed by torch is an array and stays unlinked).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import sympy as sp

from checks.compat import evalf_mixin, lambdify_module

Keys = frozenset[str]

_by_object: dict[sp.Basic, Keys] = {}
_by_value: dict[float, Keys] = {}
_following = False
_busy = False


def register(key: str, *objects: object) -> None:
    """Link ``objects`` (SymPy expressions or matrices) to the display ``key``, and follow them from now on."""
    _follow_sympy()
    for obj in objects:
        _note(obj, frozenset({key}))


def origins(obj: object) -> Keys:
    """The display keys ``obj`` was built from: for a matrix, array or tensor, those of any of its entries."""
    if _is_torch_shape(obj):
        return frozenset()  # a shape is PyTorch's own answer: whole numbers equal to a display's by necessity
    if isinstance(obj, sp.MatrixBase):
        found = _union(origins(entry) for entry in obj)
        return found or (_by_object.get(_whole(obj), frozenset()) if _all_plain(obj) else frozenset())
    if isinstance(obj, sp.Basic):
        found = _by_object.get(obj, frozenset())
        if not found and obj.is_Number:
            found = _value_origins(obj)
        return found
    if isinstance(obj, list | tuple):
        return _union(origins(item) for item in obj)
    # Numbers (an array, a tensor) count as built from displays only if every telling entry was: a value
    # computed independently (by torch, say) may equal a display's value by chance, but not in every entry.
    by_value = [_value_origins(v) for v in _floats(obj) if _plain_float(v) is not None]
    return _union(by_value) if by_value and all(by_value) else frozenset()


def _is_torch_shape(obj: object) -> bool:
    """Whether ``obj`` is a ``torch.Size``, without importing torch here."""
    return type(obj).__name__ == "Size" and type(obj).__module__ == "torch"


def forget() -> None:
    """Forget every registered display (for tests)."""
    _by_object.clear()
    _by_value.clear()


def carry(result: object, *sources: object) -> object:
    """Register ``result`` under the displays its ``sources`` came from; return it unchanged."""
    keys = _union(origins(s) for s in sources if isinstance(s, sp.Basic | sp.MatrixBase))
    if keys:
        _note(result, keys)
    return result


def _note(obj: object, keys: Keys) -> None:
    if isinstance(obj, sp.MatrixBase):
        for entry in obj:
            _note(entry, keys)
        if _all_plain(obj):
            whole = _whole(obj)
            _by_object[whole] = _by_object.get(whole, frozenset()) | keys
        return
    if isinstance(obj, sp.Basic):
        if obj.is_Number:
            _note_value(obj, keys)
        elif not isinstance(obj, sp.Symbol):  # a bare variable (∂(xy)/∂y = x) is as plain as 1
            _by_object[obj] = _by_object.get(obj, frozenset()) | keys
        return
    for value in _floats(obj):
        _note_value(value, keys)


def _note_value(value: object, keys: Keys) -> None:
    number = _plain_float(value)
    if number is not None:
        _by_value[number] = _by_value.get(number, frozenset()) | keys


def _all_plain(matrix: sp.MatrixBase) -> bool:
    """Whether every entry is a number too plain to be matched by (see :func:`_plain_float`)."""
    return len(matrix) > 1 and all(isinstance(e, sp.Number) and _plain_float(e) is None for e in matrix)


def _whole(matrix: sp.MatrixBase) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix(matrix)


def _value_origins(value: object) -> Keys:
    number = _plain_float(value)
    return _by_value.get(number, frozenset()) if number is not None else frozenset()


def _plain_float(value: object) -> float | None:
    """The float64 value a number is matched by; None for a number too plain to be matched."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not np.isfinite(number) or (float(2 * number).is_integer() and abs(number) <= 16):
        return None
    return number


def _floats(obj: object) -> list[float]:
    if isinstance(obj, float | int | np.number):
        return [float(obj)]
    try:
        array = np.asarray(obj.detach().cpu().numpy() if hasattr(obj, "detach") else obj, dtype=float)
    except (TypeError, ValueError):
        return []
    return [float(v) for v in array.ravel()] if array.size <= 1_000_000 else []


def _union(groups: Iterable[Keys]) -> Keys:
    found: Keys = frozenset()
    for group in groups:
        found |= group
    return found


# ------------------------------------------------------------------ following SymPy's own operations


def _followed(method: Callable) -> Callable:
    """``method`` whose result inherits the displays of ``self`` (the object it was called on)."""

    @functools.wraps(method)
    def follow(self: object, *args: object, **kwargs: object) -> object:
        global _busy
        result = method(self, *args, **kwargs)
        if (_by_object or _by_value) and not _busy and isinstance(self, sp.Basic | sp.MatrixBase):
            _busy = True  # looking up and noting use SymPy too: not followed themselves
            try:
                keys = origins(self)
                if keys:
                    _note(result, keys)
            finally:
                _busy = False
        return result

    follow.__wrapped_by_provenance__ = True  # type: ignore[attr-defined]
    return follow


def _lambdified(lambdify: Callable) -> Callable:
    """SymPy's lambdify, whose functions' values inherit the displays of the expression they evaluate."""

    @functools.wraps(lambdify)
    def make(args: object, expr: object, *rest: object, **kwargs: object) -> Callable:
        function = lambdify(args, expr, *rest, **kwargs)
        keys = origins(expr) if isinstance(expr, sp.Basic | sp.MatrixBase | list | tuple) else frozenset()
        if not keys:
            return function

        @functools.wraps(function)
        def evaluate(*values: object) -> object:
            result = function(*values)
            _note(result, keys)
            return result

        return evaluate

    make.__wrapped_by_provenance__ = True  # type: ignore[attr-defined]
    return make


_FOLLOWED: tuple[str, ...] = ("subs", "xreplace", "replace", "rewrite", "doit", "simplify", "evalf", "n", "__float__")
_FOLLOWED += ("expand", "factor", "applyfunc", "as_explicit", "transpose", "diff")


def _subclasses(cls: type) -> list[type]:
    found = [cls]
    subclasses: list[type] = cls.__subclasses__()
    for sub in subclasses:
        found.extend(_subclasses(sub))
    return found


def _follow_sympy() -> None:
    """Wrap the operations above once, the first time a display is registered (a chapter's kernel, a test).

    Each is wrapped in every class that defines it (``Sum.doit``, ``Mul.doit``, ``MatrixBase.subs`` …),
    so that an override is followed as well as the method it overrides.
    """
    global _following
    if _following:
        return
    _following = True
    classes = {*_subclasses(sp.Basic), *_subclasses(sp.MatrixBase), *_subclasses(evalf_mixin())}
    for cls in classes - set(_subclasses(sp.Number)):  # a number is matched by its value, not followed
        for name in _FOLLOWED:
            method = cls.__dict__.get(name)
            if callable(method) and not getattr(method, "__wrapped_by_provenance__", False):
                setattr(cls, name, _followed(method))
    module: Any = lambdify_module()
    module.lambdify = sp.lambdify = _lambdified(module.lambdify)
