"""`keras_gans.data.image_folder` on folders of real encoded files."""

import os
import warnings

import numpy as np
import pytest

from keras_gans import data
from keras_gans.data import BadImageWarning
from tests.data import encode, encode_png16, solid, to_uint8, warning_texts, write

H, W = 20, 24


def _half_alpha(rgb, channels="RGBA"):
    """Left half opaque, right half fully transparent."""
    if channels == "LA":
        image = np.zeros((H, W, 2), np.uint8)
        image[..., 0] = rgb
        image[:, : W // 2, 1] = 255
        return image
    image = np.zeros((H, W, 4), np.uint8)
    image[..., :3] = rgb
    image[:, : W // 2, 3] = 255
    return image


@pytest.fixture(scope="module")
def mixed_folder(tmp_path_factory):
    """Every supported format and channel layout, nested, each of known colour.

    Returns the root and a list of (relative path, expected left colour,
    expected right colour, tolerance) in sorted order.
    """
    from PIL import Image

    root = tmp_path_factory.mktemp("mixed")
    adaptive = {"palette": Image.Palette.ADAPTIVE, "colors": 4}
    gif_frames = [Image.fromarray(solid(c, H, W)) for c in ((0, 128, 255), (255, 0, 0))]
    gif = root / "h_anim.gif"
    gif_frames[0].save(gif, "GIF", save_all=True, append_images=gif_frames[1:])
    files = {
        "a_rgb.jpg": encode(solid((200, 30, 30), H, W), "JPEG", quality=95),
        "b/c/deep16.png": encode_png16(
            np.broadcast_to(np.array([0x8080, 0x4000, 0xFFFF], np.uint16), (H, W, 3))
        ),
        "b/gray.png": encode(solid((100, 100, 100), H, W)[..., 0], "PNG"),
        "d_rgba.png": encode(_half_alpha((0, 0, 255)), "PNG"),
        "f_rgb.bmp": encode(solid((50, 60, 70), H, W), "BMP"),
        "i_lossless.webp": encode(solid((90, 90, 20), H, W), "WEBP", lossless=True),
        "j_la.png": encode(_half_alpha(0, "LA"), "PNG"),
        "k_upper.JPEG": encode(solid((30, 30, 30), H, W)[..., 0], "JPEG", quality=95),
        "l_rgba.webp": encode(
            _half_alpha((255, 0, 0)), "WEBP", lossless=True, exact=True
        ),
        ".hidden.png": b"not looked at",
        ".cache/ignored.png": b"not looked at either",
    }
    # Real palette images (PIL mode "P") for the palette PNG and BMP.
    for name, colour in (
        ("e_palette.png", (10, 200, 10)),
        ("g_palette.bmp", (250, 100, 0)),
    ):
        fmt = "PNG" if name.endswith(".png") else "BMP"
        files[name] = encode(solid(colour, H, W), fmt, "P", convert=adaptive)
    for name, contents in files.items():
        write(root / name, contents)
    white, black = (255, 255, 255), (0, 0, 0)
    expected = [
        ("a_rgb.jpg", (200, 30, 30), (200, 30, 30), 6),
        # 16 bits kept: 0x4000 / 257 = 63.75, not the 8-bit 64
        ("b/c/deep16.png", (128, 63.75, 255), (128, 63.75, 255), 0),
        ("b/gray.png", (100,) * 3, (100,) * 3, 0),
        ("d_rgba.png", (0, 0, 255), white, 0),
        ("e_palette.png", (10, 200, 10), (10, 200, 10), 0),
        ("f_rgb.bmp", (50, 60, 70), (50, 60, 70), 0),
        ("g_palette.bmp", (250, 100, 0), (250, 100, 0), 0),
        ("h_anim.gif", (0, 128, 255), (0, 128, 255), 0),
        ("i_lossless.webp", (90, 90, 20), (90, 90, 20), 0),
        ("j_la.png", black, white, 0),
        ("k_upper.JPEG", (30,) * 3, (30,) * 3, 4),
        ("l_rgba.webp", (255, 0, 0), white, 0),
    ]
    return root, expected


@pytest.fixture(scope="module")
def bad_folder(tmp_path_factory):
    """Four usable images (two need a fix) and seven bad files."""
    from PIL import Image

    root = tmp_path_factory.mktemp("bad")
    rng = np.random.default_rng(0)
    good = rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)
    jpeg = encode(good, "JPEG")
    frames = [Image.fromarray(solid(c, 16, 16)) for c in ((0, 0, 0), (255, 255, 255))]
    anim = root / "sub" / "anim.webp"
    os.makedirs(anim.parent, exist_ok=True)
    frames[0].save(anim, "WEBP", save_all=True, append_images=frames[1:])
    png = encode(good, "PNG")
    files = {
        "good1.png": png,
        "sub/good2.jpg": jpeg,
        "deep.png": encode_png16(good.astype(np.uint16) * 257),
        "tiny.png": encode(good[:8, :8], "PNG"),
        "mono.bmp": encode(good, "BMP", "1"),
        "empty.png": b"",
        "notes.txt": b"a text file among the images\n",
        "fake.jpg": b"this is text with a .jpg name\n" * 10,
        "truncated.jpg": jpeg[: len(jpeg) // 3],
        "corrupt.png": png[:40] + bytes(rng.integers(0, 256, 300, dtype=np.uint8)),
    }
    for name, contents in files.items():
        write(root / name, contents)
    skipped = [
        "corrupt.png",
        "empty.png",
        "fake.jpg",
        "mono.bmp",
        "notes.txt",
        "sub/anim.webp",
        "truncated.jpg",
    ]
    fixed = ["tiny.png"]  # the 16-bit PNG is read at 16 bits, not fixed
    return root, skipped, fixed


def _images(ds):
    return [x.numpy() for x in ds]


def test_mixed_formats_nested_and_channels(mixed_folder):
    root, expected = mixed_folder
    with warnings.catch_warnings():
        warnings.simplefilter("error", BadImageWarning)  # nothing to report
        ds = data.image_folder(root, preprocess="none", flip=False, shuffle=False)
    images = _images(ds)
    assert len(images) == len(expected) == int(ds.cardinality())
    for image, (name, left, right, tol) in zip(images, expected):
        assert image.shape == (H, W, 3), name
        assert image.dtype == np.float32
        assert image.min() >= -1.0 and image.max() <= 1.0
        pixels = to_uint8(image)
        np.testing.assert_allclose(
            pixels[:, : W // 2].mean((0, 1)), left, atol=tol + 0.01, err_msg=name
        )
        np.testing.assert_allclose(
            pixels[:, W // 2 :].mean((0, 1)), right, atol=tol + 0.01, err_msg=name
        )


def test_decode_rgb_alpha_modes(mixed_folder):
    root, _ = mixed_folder
    for name, colour in (("d_rgba.png", (0, 0, 255)), ("l_rgba.webp", (255, 0, 0))):
        contents = (root / name).read_bytes()
        for alpha, right in (
            ("white", (255,) * 3),
            ("black", (0,) * 3),
            ("drop", colour),
        ):
            image = data.decode_rgb(contents, alpha=alpha).numpy()
            assert image.shape == (H, W, 3) and image.dtype == np.uint8
            np.testing.assert_allclose(image[:, 0].mean(0), colour, atol=0.01)
            np.testing.assert_allclose(image[:, -1].mean(0), right, atol=0.01)
    with pytest.raises(ValueError, match="alpha"):
        data.decode_rgb(contents, alpha="grey")


def test_bad_files_are_skipped_or_fixed_with_warnings(bad_folder):
    root, skipped, fixed = bad_folder
    with pytest.warns(BadImageWarning) as record:
        ds = data.image_folder(root, 32, batch_size=3, seed=0)
    texts = warning_texts(record)
    for name in skipped + fixed:
        path = os.path.join(str(root), *name.split("/"))
        hits = [t for t in texts if path in t and not t.startswith(str(root) + ":")]
        assert len(hits) == 1, (name, texts)
    assert any("smaller than 32x32" in t and "tiny.png" in t for t in texts)
    assert not any("deep.png" in t for t in texts)
    summary = texts[-1]
    assert summary.startswith(str(root)), summary
    assert "skipped 7 bad file(s), fixed 1; 4 image(s) used" in summary
    assert len(texts) == 7 + 1 + 1
    # A whole epoch runs through, every image usable.
    batches = _images(ds)
    assert [b.shape for b in batches] == [(3, 32, 32, 3), (1, 32, 32, 3)]
    assert all(np.isfinite(b).all() and b.min() >= -1 and b.max() <= 1 for b in batches)


def test_scan_report_reasons(bad_folder):
    root, skipped, fixed = bad_folder
    report = data.scan_images(root, min_size=32)
    names = {
        os.path.relpath(p, root).replace(os.sep, "/"): r
        for p, r in report.skipped.items()
    }
    assert sorted(names) == skipped
    assert "empty" in names["empty.png"]
    assert "not an image" in names["fake.jpg"]
    assert "not an image file" in names["notes.txt"]
    assert "corrupt, truncated or unsupported JPEG" in names["truncated.jpg"]
    assert "corrupt, truncated or unsupported PNG" in names["corrupt.png"]
    assert "animated WebP" in names["sub/anim.webp"]
    assert "unsupported BMP" in names["mono.bmp"]
    assert sorted(os.path.basename(p) for p in report.fixed) == fixed
    assert len(report) == 4 and (8, 8) in report.sizes
    assert report.depth == "uint16"  # deep.png: the set is read at 16 bits


def test_validate_false_still_never_crashes(bad_folder):
    root, _, _ = bad_folder
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BadImageWarning)
        ds = data.image_folder(root, 16, validate=False, seed=0)
        # Per-image sizes cannot be checked without validation: refuse to batch.
        with pytest.raises(ValueError, match="validate=True"):
            data.image_folder(root, preprocess="none", batch_size=2, validate=False)
    images = _images(ds)
    assert len(images) == 4
    assert all(x.shape == (16, 16, 3) for x in images)


def test_missing_empty_and_unreadable_folders(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(FileNotFoundError, match="nope"):
        data.image_folder(missing, 32)
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    write(empty / ".DS_Store", b"x")
    with pytest.raises(ValueError, match="No readable image in .*empty"):
        data.image_folder(empty, 32)
    unreadable = tmp_path / "unreadable"
    write(unreadable / "a.png", b"")
    write(unreadable / "b.jpg", b"text")
    # No image at all: an error that names the folder and each reason.
    with pytest.raises(
        ValueError, match="unreadable.*a.png: empty file.*b.jpg: not an"
    ):
        data.image_folder(unreadable, 32)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"preprocess": "zoom"}, "preprocess"),
        ({"image_size": 0}, "image_size"),
        ({"image_size": 64, "load_size": 32}, "load_size"),
        ({"preprocess": "resize", "crop_size": 32}, "does not crop"),
        ({"preprocess": "none", "image_size": 32}, "stored image size"),
        ({"batch_size": 0}, "batch_size"),
        ({"repeat": 0}, "repeat"),
        ({"alpha": "grey"}, "alpha"),
    ],
)
def test_argument_errors_quote_the_value(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.image_folder(tmp_path, **kwargs)


def test_preprocess_modes_shapes(mixed_folder, bad_folder):
    root, _ = mixed_folder
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BadImageWarning)
        cases = {
            ("resize_and_crop", 16): (16, 16),
            ("resize", 12): (12, 12),
            ("crop", 16): (16, 16),
            ("crop", (32, 40)): (32, 40),  # enlarged from 20x24 first
            ("scale_width", 12): (10, 12),  # 20 * 12 / 24
            ("scale_width_and_crop", 12): (12, 12),
        }
        for (mode, size), shape in cases.items():
            ds = data.image_folder(
                root,
                size,
                preprocess=mode,
                batch_size=4,
                seed=0,
                validate=mode == "scale_width",  # the size-keeping mode needs it
            )
            batch = next(iter(ds)).numpy()
            assert batch.shape == (4, *shape, 3), (mode, size)
            assert batch.min() >= -1 and batch.max() <= 1
        # Images of different stored sizes cannot be batched without resizing.
        bad_root, _, _ = bad_folder
        with pytest.raises(ValueError, match="cannot be batched"):
            data.image_folder(bad_root, preprocess="none", batch_size=2)
        single = _images(data.image_folder(bad_root, preprocess="none", shuffle=False))
    assert sorted(x.shape for x in single) == [(8, 8, 3)] + [(40, 40, 3)] * 3


@pytest.fixture(scope="module")
def texture_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("texture")
    rng = np.random.default_rng(1)
    for i in range(6):
        write(
            root / f"{i}.png",
            encode(rng.integers(0, 256, (24, 30, 3), dtype=np.uint8), "PNG"),
        )
    return root


def _two_epochs(ds):
    return [np.concatenate([b.numpy() for b in ds]) for _ in range(2)]


def test_seeded_pipeline_is_reproducible_and_reshuffles(texture_folder, tmp_path):
    def make(seed, cache=None):
        return data.image_folder(
            texture_folder, 16, batch_size=4, seed=seed, cache=cache
        )

    first = _two_epochs(make(3))
    again = _two_epochs(make(3))
    for x, y in zip(first, again):
        np.testing.assert_array_equal(x, y)
    assert first[0].shape == (6, 16, 16, 3)
    # A new epoch brings a new order and new crops / flips.
    assert not np.array_equal(first[0], first[1])
    assert not np.array_equal(make(4).as_numpy_iterator().next(), first[0][:4])
    # Caching the decoded images changes nothing in the output.
    for cache in ("memory", str(tmp_path / "cache")):
        cached = _two_epochs(make(3, cache))
        for x, y in zip(first, cached):
            np.testing.assert_array_equal(x, y)


def test_repeat_and_drop_remainder(texture_folder):
    ds = data.image_folder(
        texture_folder, 16, batch_size=4, seed=0, repeat=2, drop_remainder=True
    )
    assert int(ds.cardinality()) == 3  # 12 images -> 3 full batches
    forever = data.image_folder(texture_folder, 16, batch_size=4, seed=0, repeat=True)
    assert forever.cardinality() == -1  # tf.data.INFINITE_CARDINALITY
    with pytest.raises(ValueError, match="fewer than"):
        data.image_folder(texture_folder, 16, batch_size=8, drop_remainder=True)
