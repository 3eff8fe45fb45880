"""The digits split and the IDX reader: valid files (plain or gzipped) load, malformed ones raise a clear ValueError."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest
import torch

from experiments.data import encode_idx, load_digits_split, load_mnist, parse_idx, read_idx, split_arrays


def idx_bytes(type_code: int, shape: tuple[int, ...], payload: bytes) -> bytes:
    """An IDX file written by hand from the format's definition (independent of encode_idx)."""
    return bytes([0, 0, type_code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape) + payload


# ---------------------------------------------------------------------------- digits


def test_digits_split_shapes_range_and_types():
    split = load_digits_split()
    assert tuple(split.x_train.shape) == (1347, 64) and tuple(split.x_test.shape) == (450, 64)
    assert split.x_train.dtype == torch.float32 and split.y_train.dtype == torch.int64
    assert float(split.x_train.min()) == 0.0 and float(split.x_train.max()) == 1.0
    assert split.classes == 10 and split.features == 64
    assert set(split.y_test.tolist()) == set(range(10))


def test_digits_split_is_fixed_by_the_seed():
    a, b, c = load_digits_split(seed=0), load_digits_split(seed=0), load_digits_split(seed=1)
    assert torch.equal(a.x_train, b.x_train) and torch.equal(a.y_test, b.y_test)
    assert not torch.equal(a.y_train, c.y_train)


def test_split_keeps_every_example_once_with_its_label():
    images = np.arange(20, dtype=float).reshape(10, 2)
    split = split_arrays(images, np.arange(10), test_size=3, seed=5, dtype=torch.float64)
    x, y = torch.cat([split.x_train, split.x_test]), torch.cat([split.y_train, split.y_test])
    assert sorted(y.tolist()) == list(range(10)) and len(split.y_test) == 3
    assert torch.equal(x[:, 0], 2.0 * y), "each image keeps its own label"
    assert y.tolist() != list(range(10)), "the split is shuffled"


def test_split_arrays_rejects_bad_input():
    with pytest.raises(ValueError, match="3 images but 2 labels"):
        split_arrays(np.zeros((3, 4)), np.zeros(2), test_size=1)
    with pytest.raises(ValueError, match="test_size"):
        split_arrays(np.zeros((3, 4)), np.zeros(3), test_size=3)


# ---------------------------------------------------------------------------- IDX: valid files


def test_hand_written_idx3_file_is_read():
    data = idx_bytes(0x08, (2, 3, 4), bytes(range(24)))
    array = parse_idx(data)
    assert array.shape == (2, 3, 4) and array.dtype == np.uint8
    assert array[1, 2, 3] == 23 and array[0, 1, 0] == 4


def test_big_endian_multibyte_types():
    assert parse_idx(idx_bytes(0x0B, (2,), struct.pack(">hh", -2, 300))).tolist() == [-2, 300]
    assert parse_idx(idx_bytes(0x0C, (1,), struct.pack(">i", 70000))).tolist() == [70000]
    assert parse_idx(idx_bytes(0x0D, (1,), struct.pack(">f", 1.5))).tolist() == [1.5]
    assert parse_idx(idx_bytes(0x0E, (2,), struct.pack(">dd", -0.25, 1e300))).tolist() == [-0.25, 1e300]
    assert parse_idx(idx_bytes(0x09, (2,), struct.pack(">bb", -128, 127))).tolist() == [-128, 127]


@pytest.mark.parametrize("dtype", ["u1", "i1", "<i2", ">i4", "<f4", "<f8"])
def test_encode_parse_round_trip(dtype):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype) if dtype != "u1" else np.arange(24, dtype="u1")
    back = parse_idx(encode_idx(array))
    assert back.shape == array.shape and np.array_equal(back, array)
    assert back.dtype.isnative


def test_encode_idx_matches_the_format():
    assert encode_idx(np.array([[1, 2]], dtype=np.uint8)) == idx_bytes(0x08, (1, 2), b"\x01\x02")
    with pytest.raises(ValueError, match="cannot store dtype int64"):
        encode_idx(np.zeros(2, dtype=np.int64))


def test_read_plain_and_gzipped_files(tmp_path):
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    plain, packed = tmp_path / "images-idx3-ubyte", tmp_path / "images-idx3-ubyte.gz"
    plain.write_bytes(encode_idx(images))
    packed.write_bytes(gzip.compress(encode_idx(images)))
    assert np.array_equal(read_idx(plain), images)
    assert np.array_equal(read_idx(packed), images)


def test_load_mnist(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    labels = np.array([0, 9, 3, 3, 7], dtype=np.uint8)
    (tmp_path / "x.gz").write_bytes(gzip.compress(encode_idx(images)))
    (tmp_path / "y").write_bytes(encode_idx(labels))
    x, y = load_mnist(tmp_path / "x.gz", tmp_path / "y")
    assert tuple(x.shape) == (5, 784) and x.dtype == torch.float32
    assert torch.allclose(x[1], torch.tensor(images[1].reshape(-1) / 255.0, dtype=torch.float32))
    assert y.dtype == torch.int64 and y.tolist() == [0, 9, 3, 3, 7]


# ---------------------------------------------------------------------------- IDX: malformed files


def test_truncated_data_is_refused(tmp_path):
    path = tmp_path / "short-idx3-ubyte"
    path.write_bytes(idx_bytes(0x08, (2, 28, 28), bytes(2 * 28 * 28 - 10)))
    with pytest.raises(
        ValueError, match=r"short-idx3-ubyte: truncated: shape 2×28×28 of uint8 needs 1568 data bytes.*found 1558"
    ):
        read_idx(path)


def test_truncated_gzip_is_refused(tmp_path):
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(encode_idx(np.zeros((3, 4, 4), dtype=np.uint8)))[:-12])
    with pytest.raises(ValueError, match="gzip"):
        read_idx(path)


def test_truncated_header_is_refused():
    with pytest.raises(ValueError, match="truncated header: 3 dimensions need 16 bytes"):
        parse_idx(bytes([0, 0, 8, 3]) + struct.pack(">I", 2))
    with pytest.raises(ValueError, match="too short"):
        parse_idx(b"\x00\x00")


def test_wrong_magic_is_refused(tmp_path):
    path = tmp_path / "picture.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(40))
    with pytest.raises(ValueError, match=r"picture.png: not an IDX file.*0x89504e47"):
        read_idx(path)


def test_unknown_type_code_and_zero_dimensions_are_refused():
    with pytest.raises(ValueError, match="unknown IDX type code 0x07"):
        parse_idx(idx_bytes(0x07, (1,), b"\x00"))
    with pytest.raises(ValueError, match="0 dimensions"):
        parse_idx(bytes([0, 0, 8, 0]))


def test_trailing_bytes_are_refused():
    with pytest.raises(ValueError, match="trailing bytes"):
        parse_idx(idx_bytes(0x08, (2,), b"\x01\x02\x03"))


def test_load_mnist_validates_the_pair(tmp_path):
    images = encode_idx(np.zeros((3, 2, 2), dtype=np.uint8))
    (tmp_path / "x").write_bytes(images)
    (tmp_path / "y2").write_bytes(encode_idx(np.zeros(2, dtype=np.uint8)))
    (tmp_path / "y_bad").write_bytes(encode_idx(np.array([1, 2, 10], dtype=np.uint8)))
    (tmp_path / "y_float").write_bytes(encode_idx(np.zeros(3, dtype=np.float32)))
    with pytest.raises(ValueError, match=r"3 images .* but 2 labels"):
        load_mnist(tmp_path / "x", tmp_path / "y2")
    with pytest.raises(ValueError, match="labels must be digits 0–9, found 10"):
        load_mnist(tmp_path / "x", tmp_path / "y_bad")
    with pytest.raises(ValueError, match="idx1-ubyte"):
        load_mnist(tmp_path / "x", tmp_path / "y_float")
    with pytest.raises(ValueError, match="idx3-ubyte"):
        load_mnist(tmp_path / "y2", tmp_path / "x")
