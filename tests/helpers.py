"""Small helpers the unit tests share: the message a call fails with, torch functions to check against, and
the book's Sphinx extensions as modules."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TypeVar

import pytest
import torch

R = TypeVar("R")


def message(error_type: type[BaseException], call: Callable, *args: object, **kwargs: object) -> str:
    """The message of the ``error_type`` that ``call(*args, **kwargs)`` must raise."""
    with pytest.raises(error_type) as caught:
        call(*args, **kwargs)
    return str(caught.value)


def extension(name: str) -> ModuleType:
    """One of the book's Sphinx extensions (book/_ext is not a package: Sphinx loads them by path)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.pop(0)


def recorded(monkeypatch: pytest.MonkeyPatch, record_type: type[R]) -> list[R]:
    """The ledger records of ``record_type`` the code under test writes, kept here instead of written (those of
    the other type are dropped)."""
    from checks import ledger

    found: list[R] = []
    monkeypatch.setattr(ledger, "record", lambda entry: found.append(entry) if isinstance(entry, record_type) else None)
    return found


def square(t: torch.Tensor) -> torch.Tensor:
    return t**2


def square_with_backward(slope: Callable[[torch.Tensor], torch.Tensor]) -> Callable[[torch.Tensor], torch.Tensor]:
    """t², whose backward pass gives ``slope(t)`` as its derivative: a torch function whose autograd is wrong."""

    class Square(torch.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            ctx.save_for_backward(t)
            return t**2

        @staticmethod
        def backward(ctx, grad):
            (t,) = ctx.saved_tensors
            return grad * slope(t)

    return Square.apply
