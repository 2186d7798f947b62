"""Images that are not 8-bit RGB through the loaders: `channels=` 1, 4 and N
(TIFF, .npy), 16-bit PNG / TIFF at 16 bits, and the errors naming a file."""

import os

import numpy as np
import pytest
import tensorflow as tf

from keras_gans import data
from tests.data import encode, encode_png16, write

H, W = 8, 10


def _one(folder, **kwargs):
    options = {"preprocess": "none", "flip": False, "shuffle": False, **kwargs}
    ds = data.image_folder(folder, **options)
    return [x.numpy() for x in ds]


def test_gray_rgb_and_rgba_files_give_any_of_1_to_4_channels(tmp_path):
    rgba = np.zeros((H, W, 4), np.uint8)
    rgba[..., :3] = (200, 100, 50)
    rgba[:, : W // 2, 3] = 255  # left opaque, right transparent
    write(tmp_path / "a_gray.png", encode(np.full((H, W), 70, np.uint8), "PNG"))
    write(tmp_path / "b_rgb.png", encode(np.full((H, W, 3), 90, np.uint8), "PNG"))
    write(tmp_path / "c_rgba.png", encode(rgba, "PNG"))
    gray, rgb, kept = _one(tmp_path, channels=4)
    assert gray.shape == rgb.shape == kept.shape == (H, W, 4)
    # RGBA kept as it is: alpha -1 (transparent) on the right, +1 on the left
    np.testing.assert_allclose(kept[:, -1, 3], -1.0)
    np.testing.assert_allclose(kept[:, 0, 3], 1.0)
    colour = np.array([200, 100, 50]) / 127.5 - 1
    np.testing.assert_allclose(kept[0, -1, :3], colour, atol=1e-6)
    np.testing.assert_allclose(gray[..., 3], 1.0)  # an opaque alpha added
    ones = _one(tmp_path, channels=1)
    assert all(x.shape == (H, W, 1) for x in ones)
    np.testing.assert_allclose(ones[0], 70 / 127.5 - 1, atol=1e-6)
    # RGBA -> gray: composited on white, then the luma
    luma = 0.2989 * 200 + 0.5870 * 100 + 0.1140 * 50
    np.testing.assert_allclose(ones[2][0, 0, 0], round(luma) / 127.5 - 1, atol=1e-6)
    np.testing.assert_allclose(ones[2][0, -1, 0], 1.0, atol=1e-6)


def test_multiband_npy_and_tiff_and_their_errors(tmp_path):
    import tifffile

    bands = np.random.default_rng(0).uniform(-1, 1, (H, W, 6)).astype("float32")
    np.save(tmp_path / "a.npy", bands)
    counts = (np.arange(H * W * 6) * 777 % 65536).astype(np.uint16).reshape(H, W, 6)
    layout = {"photometric": "minisblack", "planarconfig": "contig"}
    tifffile.imwrite(tmp_path / "b.tif", counts, **layout)
    report = data.scan_images(tmp_path, channels=6)
    assert report.depth == "float32" and len(report) == 2
    a, b = _one(tmp_path, channels=6)
    np.testing.assert_allclose(a, bands, atol=1e-6)
    np.testing.assert_allclose(b, counts / 32767.5 - 1.0, atol=1e-6)
    # 6 bands cannot give 3 channels: an error naming the file
    with pytest.raises(ValueError, match=r"a\.npy has 6 channel\(s\).*3 asked"):
        data.image_folder(tmp_path, 8, channels=3)
    # Floats outside [-1, 1], and dtypes that are not read
    np.save(tmp_path / "c.npy", bands * 2)
    with pytest.raises(ValueError, match=r"c\.npy: float values must be in \[-1, 1\]"):
        data.image_folder(tmp_path, 8, channels=6)
    np.save(tmp_path / "c.npy", np.zeros((H, W, 6), "int32"))
    with pytest.raises(ValueError, match=r"c\.npy: its array dtype is not read"):
        data.image_folder(tmp_path, 8, channels=6)
    with pytest.raises(ValueError, match="`channels` must be a positive integer"):
        data.image_folder(tmp_path, 8, channels=0)


def test_16_bit_png_and_tiff_keep_16_bits(tmp_path):
    import tifffile

    # 256 * k + odd offsets: an 8-bit path would give multiples of 257.
    offsets = 1 + 2 * (np.arange(W) % 3)[:, None]
    values = 256 * np.arange(H * W).reshape(H, W, 1) + offsets
    values = values.astype(np.uint16)
    write(tmp_path / "a.png", encode_png16(values))
    tifffile.imwrite(tmp_path / "b.tif", values[..., 0])
    write(tmp_path / "c.png", encode(np.full((H, W), 255, np.uint8), "PNG"))  # 8-bit
    report = data.scan_images(tmp_path)
    assert report.depth == "uint16" and not report.fixed
    png16, tiff16, png8 = _one(tmp_path, channels=1)
    expected = values / 32767.5 - 1.0
    np.testing.assert_allclose(png16, expected, atol=1e-6)
    np.testing.assert_allclose(tiff16, expected, atol=1e-6)
    np.testing.assert_allclose(png8, 1.0, atol=1e-6)  # 255 * 257 = 65535
    # And through a resize, the values stay 16-bit (not multiples of 257).
    resized = _one(tmp_path, channels=1, preprocess="resize", image_size=6)[0]
    pixels = np.round((resized + 1.0) * 32767.5).astype(int)
    assert (pixels % 257 != 0).any()


def test_paired_and_unpaired_loaders_take_a_channel_count_per_side(tmp_path):
    rng = np.random.default_rng(0)
    for side, shape in (("A", (H, W)), ("B", (H, W, 3))):
        for i in range(2):
            image = rng.integers(0, 256, shape, dtype=np.uint8)
            write(tmp_path / side / "train" / f"{i}.png", encode(image, "PNG"))
    x, y = next(iter(data.paired_folder(tmp_path, 8, channels=(1, 3), batch_size=2)))
    assert x.shape == (2, 8, 8, 1) and y.shape == (2, 8, 8, 3)
    options = {"channels": (3, 1), "direction": "BtoA", "batch_size": 2}
    x, y = next(iter(data.paired_folder(tmp_path, 8, **options)))
    assert x.shape == (2, 8, 8, 3) and y.shape == (2, 8, 8, 1)
    os.rename(tmp_path / "A" / "train", tmp_path / "trainA")
    os.rename(tmp_path / "B" / "train", tmp_path / "trainB")
    a, b = next(iter(data.cyclegan_folders(tmp_path, 8, channels=(1, 3), batch_size=2)))
    assert a.shape == (2, 8, 8, 1) and b.shape == (2, 8, 8, 3)


def test_decode_pixels_in_a_graph():
    deep = tf.io.encode_png(np.full((3, 4, 2), 1001, np.uint16))
    image = data.decode_pixels(deep, 4, "uint16", alpha="drop")
    assert image.dtype == tf.uint16 and image.shape == (3, 4, 4)
    np.testing.assert_array_equal(image.numpy()[0, 0], (1001, 1001, 1001, 1001))
    with pytest.raises(ValueError, match="`dtype` must be one of"):
        data.decode_pixels(deep, 3, "int32")


def test_tfrecords_of_16_bit_gray_pngs(tmp_path):
    values = (np.arange(H * W).reshape(H, W, 1) * 257 + 1).astype(np.uint16)
    path = str(tmp_path / "gray.tfrec")
    with tf.io.TFRecordWriter(path) as writer:
        png = tf.train.BytesList(value=[tf.io.encode_png(values).numpy()])
        feature = {"image": tf.train.Feature(bytes_list=png)}
        example = tf.train.Example(features=tf.train.Features(feature=feature))
        writer.write(example.SerializeToString())
    ds = data.tfrecords(path, preprocess="none", flip=False, channels=1)
    (image,) = [x.numpy() for x in ds]
    np.testing.assert_allclose(image, values / 32767.5 - 1.0, atol=1e-6)
