"""IDX loader and data sets (simulate/core/data.py): header validation, MNIST test file, digits default."""
import gzip
import struct

import numpy as np
import pytest

from simulate.core import binarize_images, load_dataset, mnist_dir, read_idx


def _write_idx(path, arr, code=0x08):
    header = bytes([0, 0, code, arr.ndim]) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    path.write_bytes(header + arr.astype(">u1" if code == 0x08 else ">i4").tobytes())


def test_roundtrip(tmp_path):
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    p = tmp_path / "x-images-idx3-ubyte"
    _write_idx(p, a)
    np.testing.assert_array_equal(read_idx(p), a)
    b = np.array([[1, -2], [300, 4]], dtype=np.int32)
    q = tmp_path / "y.idx"
    _write_idx(q, b, code=0x0C)
    np.testing.assert_array_equal(read_idx(q), b)


def test_truncated_rejected(tmp_path):
    a = np.zeros((5, 4, 4), dtype=np.uint8)
    p = tmp_path / "t-images-idx3-ubyte"
    _write_idx(p, a)
    p.write_bytes(p.read_bytes()[:-7])
    with pytest.raises(ValueError, match="truncated|size mismatch"):
        read_idx(p)


def test_padded_and_bad_magic_rejected(tmp_path):
    a = np.zeros((2, 2), dtype=np.uint8)
    p = tmp_path / "p.idx"
    _write_idx(p, a)
    p.write_bytes(p.read_bytes() + b"\x00")
    with pytest.raises(ValueError, match="size mismatch"):
        read_idx(p)
    q = tmp_path / "q.idx"
    q.write_bytes(b"\x12\x34\x08\x01" + b"\x00" * 8)
    with pytest.raises(ValueError, match="not an IDX"):
        read_idx(q)
    r = tmp_path / "r.idx"
    r.write_bytes(b"\x00\x00\x08\x03\x00\x00")
    with pytest.raises(ValueError, match="truncated header"):
        read_idx(r)


def test_truncated_gzip_rejected(tmp_path):
    a = np.ones((10, 28, 28), dtype=np.uint8)
    raw = bytes([0, 0, 8, 3]) + struct.pack(">III", 10, 28, 28) + a.tobytes()
    p = tmp_path / "g-images-idx3-ubyte.gz"
    p.write_bytes(gzip.compress(raw)[:-20])
    with pytest.raises(ValueError):
        read_idx(p)


def test_missing_file():
    with pytest.raises(FileNotFoundError):
        read_idx("/nonexistent/file-idx3-ubyte")


@pytest.mark.skipif(not (mnist_dir() / "t10k-images-idx3-ubyte.gz").exists(), reason="shared MNIST not present")
def test_mnist_test_set():
    d = load_dataset("mnist", "test")
    assert d.images.shape == (10000, 784) and d.side == 28
    assert d.images.min() == 0.0 and d.images.max() == 1.0
    # the MNIST t10k label counts (LeCun et al.) for digits 0..9
    np.testing.assert_array_equal(np.bincount(d.labels), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
    s = binarize_images(d.images[:5], spins=True)
    assert s.dtype == np.int8 and set(np.unique(s)) == {-1, 1}
    # loading by path gives the same array
    e = load_dataset(str(mnist_dir() / "t10k-images-idx3-ubyte.gz"))
    np.testing.assert_array_equal(e.images[:100], d.images[:100])
    np.testing.assert_array_equal(e.labels[:100], d.labels[:100])


def test_digits_default():
    d = load_dataset()
    assert d.name == "digits" and d.images.shape == (1797, 64) and d.side == 8
    assert 0.0 <= d.images.min() and d.images.max() == 1.0
    np.testing.assert_array_equal(np.unique(d.labels), np.arange(10))


def test_bad_name():
    with pytest.raises(ValueError, match="digits"):
        load_dataset("no-such-dataset")
    with pytest.raises(ValueError, match="part"):
        load_dataset("mnist", "validation")


def test_default_mnist_dir_is_beside_the_repository(monkeypatch):
    """Without $MNIST_DIR the data are looked up in ../shared/data/mnist relative to the repository
    root (the layout move put data.py one level deeper; a wrong root silently skipped every MNIST test)."""
    from pathlib import Path

    monkeypatch.delenv("MNIST_DIR", raising=False)
    root = Path(__file__).resolve().parent.parent
    assert mnist_dir() == root.parent / "shared" / "data" / "mnist"
