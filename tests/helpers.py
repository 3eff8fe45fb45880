"""Small helpers the unit tests share: the message a call fails with, and torch functions to check against."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch


def message(error_type: type[BaseException], call: Callable, *args: object, **kwargs: object) -> str:
    """The message of the ``error_type`` that ``call(*args, **kwargs)`` must raise."""
    with pytest.raises(error_type) as caught:
        call(*args, **kwargs)
    return str(caught.value)


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
