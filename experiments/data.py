"""Data for the training chapter: scikit-learn's 8×8 digits (ships with the package) and a reader for MNIST IDX files.

MNIST cannot be downloaded where the book is built, so the chapter trains on the digits. Readers who have the
MNIST files (``train-images-idx3-ubyte[.gz]`` and ``train-labels-idx1-ubyte[.gz]``) can load them with
:func:`load_mnist` and run the same experiments on 784-pixel images.

>>> split = load_digits_split()
>>> tuple(split.x_train.shape), tuple(split.x_test.shape), split.classes
((1347, 64), (450, 64), 10)
"""

from __future__ import annotations

import gzip
import os
import struct
from dataclasses import dataclass

import numpy as np
import torch

#: IDX type codes (third byte of the magic number) and the big-endian NumPy dtype each one stands for.
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Split:
    """A train/test split: inputs are ``(n, features)`` float tensors, labels ``(n,)`` int64 class indices."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor

    @property
    def classes(self) -> int:
        return int(torch.cat([self.y_train, self.y_test]).max()) + 1

    @property
    def features(self) -> int:
        return int(self.x_train.shape[1])


def split_arrays(
    images: np.ndarray, labels: np.ndarray, *, test_size: int, seed: int = 0, dtype: torch.dtype = torch.float32
) -> Split:
    """Shuffle ``(images, labels)`` with a seeded permutation and cut off the last ``test_size`` as the test set."""
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    if not 0 < test_size < len(images):
        raise ValueError(f"test_size must be between 1 and {len(images) - 1}, got {test_size}")
    order = np.random.default_rng(seed).permutation(len(images))
    x = torch.tensor(images.reshape(len(images), -1)[order], dtype=dtype)
    y = torch.tensor(labels[order], dtype=torch.int64)
    cut = len(images) - test_size
    return Split(x[:cut], y[:cut], x[cut:], y[cut:])


def load_digits_split(*, test_size: int = 450, seed: int = 0, dtype: torch.dtype = torch.float32) -> Split:
    """scikit-learn's 1,797 digits as 64 pixels in [0, 1] (grey levels 0…16 divided by 16), split with a fixed seed."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    return split_arrays(digits.data / 16.0, digits.target, test_size=test_size, seed=seed, dtype=dtype)


# ---------------------------------------------------------------------------- the IDX format


def encode_idx(array: np.ndarray) -> bytes:
    """The IDX encoding of ``array``: magic ``0 0 type ndim``, big-endian uint32 sizes, big-endian data.

    >>> encode_idx(np.array([1, 2], dtype=np.uint8)).hex()
    '00000801000000020102'
    """
    array = np.asarray(array)
    codes = {dtype.newbyteorder(">"): code for code, dtype in IDX_DTYPES.items()}
    big_endian = array.dtype.newbyteorder(">")
    if big_endian not in codes:
        raise ValueError(f"IDX cannot store dtype {array.dtype}; use uint8, int8, int16, int32, float32 or float64")
    code = codes[big_endian]
    if not 1 <= array.ndim <= 255:
        raise ValueError(f"IDX stores 1 to 255 dimensions, got {array.ndim}")
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(big_endian, copy=False).tobytes()


def parse_idx(data: bytes, *, source: str = "IDX data") -> np.ndarray:
    """Decode IDX bytes (gzip-compressed or not) into an array; raise ``ValueError`` saying what is wrong.

    >>> parse_idx(encode_idx(np.arange(6, dtype=np.uint8).reshape(2, 3))).tolist()
    [[0, 1, 2], [3, 4, 5]]
    """
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as err:
            raise ValueError(f"{source}: corrupt or truncated gzip stream ({err})") from None
    if len(data) < 4:
        raise ValueError(f"{source}: {len(data)} bytes is too short for the 4-byte IDX magic number")
    zero, code, ndim = data[:2], data[2], data[3]
    if zero != b"\x00\x00":
        raise ValueError(
            f"{source}: not an IDX file: the magic number must start with two zero bytes, "
            f"got 0x{data[:4].hex()} (is it another format?)"
        )
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in IDX_DTYPES)
        raise ValueError(f"{source}: unknown IDX type code 0x{code:02X} in the magic number (known: {known})")
    if ndim == 0:
        raise ValueError(f"{source}: the magic number declares 0 dimensions")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{source}: truncated header: {ndim} dimensions need {header} bytes, the file has {len(data)}")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    dtype = IDX_DTYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    actual = len(data) - header
    if actual != expected:
        what = "truncated" if actual < expected else "has trailing bytes"
        raise ValueError(
            f"{source}: {what}: shape {'×'.join(map(str, shape))} of {dtype.name} needs {expected} data bytes "
            f"after the {header}-byte header, found {actual}"
        )
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file (``.gz`` or plain: detected from the content, not the name)."""
    with open(path, "rb") as f:
        return parse_idx(f.read(), source=os.fspath(path))


def load_mnist(
    images_path: str | os.PathLike[str], labels_path: str | os.PathLike[str], *, dtype: torch.dtype = torch.float32
) -> tuple[torch.Tensor, torch.Tensor]:
    """MNIST images as ``(n, rows·cols)`` floats in [0, 1] and labels as ``(n,)`` int64, checked against each other."""
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(
            f"{os.fspath(images_path)}: expected an idx3-ubyte file (3-d uint8 images), "
            f"got {images.ndim}-d {images.dtype} of shape {images.shape}"
        )
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise ValueError(
            f"{os.fspath(labels_path)}: expected an idx1-ubyte file (1-d uint8 labels), "
            f"got {labels.ndim}-d {labels.dtype} of shape {labels.shape}"
        )
    if len(images) != len(labels):
        raise ValueError(
            f"{len(images)} images in {os.fspath(images_path)} but {len(labels)} labels in {os.fspath(labels_path)}"
        )
    if labels.size and labels.max() > 9:
        raise ValueError(f"{os.fspath(labels_path)}: labels must be digits 0–9, found {int(labels.max())}")
    x = torch.tensor(images.reshape(len(images), -1), dtype=dtype) / 255.0
    return x, torch.tensor(labels, dtype=torch.int64)
