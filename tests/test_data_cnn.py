"""Tests for the chapter 6 additions to nndl.data: 32×32 digits and the MNIST IDX reader."""

import gzip
import struct

import numpy as np
import pytest

from nndl import data


def _write_idx(path, arr, code, compress=False):
    raw = struct.pack(">BBBB", 0, 0, code, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
    raw += arr.astype(arr.dtype.newbyteorder(">")).tobytes()
    path.write_bytes(gzip.compress(raw) if compress else raw)


@pytest.mark.parametrize(
    "dtype,code",
    [
        (np.uint8, 0x08),
        (np.int8, 0x09),
        (np.int16, 0x0B),
        (np.int32, 0x0C),
        (np.float32, 0x0D),
        (np.float64, 0x0E),
    ],
)
def test_read_idx_roundtrip(tmp_path, dtype, code):
    rng = np.random.default_rng(0)
    arr = (rng.normal(size=(3, 4, 5)) * 50).astype(dtype)
    _write_idx(tmp_path / "x.idx", arr, code)
    out = data.read_idx(tmp_path / "x.idx")
    assert out.shape == (3, 4, 5) and out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out, arr)


def test_read_idx_mnist_like_labels_and_gzip(tmp_path):
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    labels = np.array([7, 2], dtype=np.uint8)
    _write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", images, 0x08, compress=True)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte", labels, 0x08)
    np.testing.assert_array_equal(data.read_idx(tmp_path / "t10k-images-idx3-ubyte.gz"), images)
    np.testing.assert_array_equal(data.read_idx(str(tmp_path / "t10k-labels-idx1-ubyte")), labels)


def test_read_idx_errors(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x08\x01")
    with pytest.raises(ValueError, match="two zero bytes"):
        data.read_idx(tmp_path / "bad")
    (tmp_path / "code").write_bytes(b"\x00\x00\x07\x01\x00\x00\x00\x01\x00")
    with pytest.raises(ValueError, match="type code 0x07"):
        data.read_idx(tmp_path / "code")
    _write_idx(tmp_path / "short", np.zeros(5, np.uint8), 0x08)
    (tmp_path / "short").write_bytes((tmp_path / "short").read_bytes()[:-1])
    with pytest.raises(ValueError, match=r"shape \(5,\)"):
        data.read_idx(tmp_path / "short")


def test_resize_bilinear_properties():
    img = np.random.default_rng(1).uniform(size=(2, 8, 8))
    out = data.resize_bilinear(img, 28)
    assert out.shape == (2, 28, 28)
    assert img.min() <= out.min() and out.max() <= img.max()
    np.testing.assert_allclose(data.resize_bilinear(np.full((8, 8), 3.0), 28), 3.0)
    np.testing.assert_allclose(data.resize_bilinear(img, 8), img)  # same size: identity
    ramp = np.tile(np.arange(8.0), (8, 1))  # linear along columns
    r = data.resize_bilinear(ramp, 16)[0]
    np.testing.assert_allclose(np.diff(r[1:-1]), 0.5)  # stays linear inside


def test_load_digits_32():
    pytest.importorskip("sklearn")
    X, y = data.load_digits_32()
    assert X.shape == (1797, 1, 32, 32) and y.shape == (1797,)
    assert X.min() >= 0 and X.max() <= 1
    assert np.all(X[:, :, :2] == 0) and np.all(X[:, :, :, -2:] == 0)  # the 2-pixel frame
    X8, _ = data.load_digits()
    np.testing.assert_allclose(X[:, 0, 2:30, 2:30].mean(axis=(1, 2)), X8.mean(axis=1) / 16, atol=0.03)
