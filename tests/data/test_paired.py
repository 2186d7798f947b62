"""`keras_gans.data.paired_folder` and the paired glyph demo set."""

import os

import numpy as np
import pytest

from keras_gans import data, datasets
from keras_gans.data import BadImageWarning
from tests.data import encode, to_uint8, warning_texts, write

H, W = 24, 24


def _pattern(seed, height=H, width=W):
    """A uint8 noise image: no symmetry, so a crop or flip shows."""
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), np.uint8)


@pytest.fixture(scope="module")
def aligned_root(tmp_path_factory):
    """The official layout: `train/` and `test/` files with A | B side by
    side, B = 255 - A (a known relation that survives resizing)."""
    root = tmp_path_factory.mktemp("aligned")
    for split, n in (("train", 6), ("test", 3)):
        for i in range(n):
            a = _pattern(100 * len(split) + i)
            write(
                root / split / f"{i:03d}.png",
                encode(np.concatenate([a, 255 - a], 1), "PNG"),
            )
    return root


def test_random_crops_and_flips_keep_pairs_aligned(aligned_root):
    # load 32 -> random 24x24 crops and flips, applied to A and B alike
    ds = data.paired_folder(
        aligned_root, H, batch_size=None, load_size=32, seed=0, repeat=3
    )
    offsets = set()
    for x, y in ds:
        x, y = np.asarray(x), np.asarray(y)
        assert x.shape == y.shape == (H, W, 3)
        # B = 255 - A: in [-1, 1], y = -x up to the rounding to uint8.
        assert np.abs(x + y).max() <= 2.5 / 127.5
        offsets.add(float(x[0, 0, 0]))
    assert len(offsets) > 6, "crops and flips should differ between passes"


def test_direction_test_split_and_batches(aligned_root):
    a_to_b = data.paired_folder(aligned_root, H, split="test", batch_size=3)
    b_to_a = data.paired_folder(
        aligned_root, H, split="test", batch_size=3, direction="BtoA"
    )
    (x, y), (bx, by) = next(iter(a_to_b)), next(iter(b_to_a))
    # test split: file order, no crop or flip: exactly the stored halves
    expected = np.stack([_pattern(400 + i) for i in range(3)])
    np.testing.assert_allclose(to_uint8(x), expected, atol=1e-3)
    np.testing.assert_allclose(to_uint8(y), 255 - expected, atol=1e-3)
    np.testing.assert_array_equal(bx, y)
    np.testing.assert_array_equal(by, x)


def test_two_folders_pair_by_name_and_skip_the_rest(tmp_path):
    root = tmp_path / "pairs"
    for i in range(3):
        a = _pattern(i)
        write(root / "A" / "train" / f"{i}.png", encode(a, "PNG"))
        write(root / "B" / "train" / f"{i}.png", encode(255 - a, "PNG"))
    # a partner of another size is resized to its partner's size
    write(root / "A" / "train" / "big.png", encode(_pattern(7), "PNG"))
    write(root / "B" / "train" / "big.bmp", encode(_pattern(7, 48, 48), "BMP"))
    write(root / "A" / "train" / "lonely.png", encode(_pattern(8), "PNG"))
    write(root / "B" / "train" / "broken.png", b"not an image")
    with pytest.warns(BadImageWarning) as record:
        ds = data.paired_folder(root, H, batch_size=None, shuffle=False, flip=False)
    texts = "\n".join(warning_texts(record))
    assert "lonely.png" in texts and "no file named lonely.*" in texts
    assert "broken.png" in texts
    assert "big.bmp" in texts and "resized to its partner's size" in texts
    pairs = [(np.asarray(x), np.asarray(y)) for x, y in ds]
    assert len(pairs) == 4  # 0, 1, 2, big
    for x, y in pairs[:3]:  # sorted by name: big last
        assert np.abs(x + y).max() <= 2.5 / 127.5


def test_explicit_folders_and_errors(tmp_path):
    a = _pattern(1)
    write(tmp_path / "inputs" / "x.png", encode(a, "PNG"))
    write(tmp_path / "targets" / "x.png", encode(255 - a, "PNG"))
    ds = data.paired_folder(
        tmp_path / "inputs", H, path_b=tmp_path / "targets", split="test"
    )
    x, y = next(iter(ds))
    assert x.shape == (1, H, W, 3) and np.abs(np.asarray(x + y)).max() <= 2.5 / 127.5

    with pytest.raises(FileNotFoundError, match="Sub-folders found: \\['inputs'"):
        data.paired_folder(tmp_path, H)
    with pytest.raises(ValueError, match="direction='AtoA'"):
        data.paired_folder(tmp_path / "inputs", H, path_b=tmp_path / "targets",
                           direction="AtoA")  # fmt: skip
    with pytest.raises(ValueError, match="split='dev'"):
        data.paired_folder(tmp_path, H, split="dev")
    with pytest.raises(TypeError, match="zoom"):
        data.paired_folder(tmp_path, H, zoom=2)
    os.makedirs(tmp_path / "empty" / "train")
    with pytest.raises(ValueError, match="No readable image"):
        data.paired_folder(tmp_path / "empty", H)


# === The paired glyph demo set ===


@pytest.mark.parametrize("task", datasets.PAIRED_GLYPH_TASKS)
def test_paired_glyphs(task):
    x, y, chars = datasets.paired_glyph_arrays(
        32, task=task, split="test", chars="Ag", samples_per_char=1
    )
    assert x.shape == y.shape == (2, 32, 32, 3) and chars == ["A", "g"]
    baseline = np.abs(x - y).mean()
    assert 0.005 < baseline < 0.3  # the target differs from the input
    if task == "bold":
        # growing the ink only darkens: no pixel gets lighter
        assert (y <= x + 1e-6).all()
    ds = datasets.paired_glyphs(
        32, task=task, split="test", chars="Ag", samples_per_char=1, batch_size=2,
        direction="BtoA",
    )  # fmt: skip
    bx, by = next(iter(ds))
    np.testing.assert_array_equal(bx, y)
    np.testing.assert_array_equal(by, x)


def test_written_paired_glyphs_read_back_exactly(tmp_path):
    counts = datasets.write_folders(
        tmp_path, "paired_glyphs", image_size=32, chars="ab", samples_per_char=1
    )
    assert counts == {"train": 2, "test": 4}
    x, y = next(iter(data.paired_folder(tmp_path, 32, split="test", batch_size=4)))
    ex, ey, _ = datasets.paired_glyph_arrays(32, split="test", chars="ab")
    np.testing.assert_allclose(x, ex, atol=1e-6)
    np.testing.assert_allclose(y, ey, atol=1e-6)
