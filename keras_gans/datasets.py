"""Built-in demo data, rendered locally (no downloads).

- `glyphs`: letters and digits in two fonts as two unpaired domains for
  CycleGAN (domain A = DejaVu Sans, domain B = DejaVu Serif), each image with
  a small random jitter of position, scale and colour; `glyph_pairs` gives the
  paired ground truth (the same character, same jitter, in both fonts) to
  score a translation.
- `shapes`: one coloured circle, square or triangle per image, a simple
  noise-to-image set for a small DCGAN on CPU.
- `paired_glyphs`: exact (input, target) pairs for pix2pix: a Sans glyph and
  the same glyph in bold (ink grown by one pixel) or in Serif.
- `write_folders`: a set as PNG folders (`trainA/ trainB/ testA/ testB/`, or
  `train/ test/`: shapes, or paired glyphs side by side) for the folder
  loaders, the CLI and the examples.

Font licence: the DejaVu fonts are read from the copy that matplotlib ships
(`matplotlib/mpl-data/fonts/ttf/`, licence text in `LICENSE_DEJAVU` there):
they are Bitstream Vera fonts, (c) Bitstream, Inc., under the Bitstream Vera
Fonts licence (free use, copying and redistribution; modified fonts must be
renamed), with the DejaVu changes in the public domain and some glyphs from
the Arev fonts, (c) Tavmjong Bah, under the same terms. keras_gans does not
copy or modify the font files; it only renders text with them.
"""

import functools
import os
import string

import numpy as np
import tensorflow as tf

from keras_gans._checks import check_int
from keras_gans.data import _pipeline
from keras_gans.data._unpaired import two_domains
from keras_gans.imaging import (
    font_path,  # noqa: F401 (public: datasets.font_path)
    from_uint8,
    to_uint8,
    to_unit_range,
)
from keras_gans.imaging import load_font as _font

#: The characters rendered by `glyphs`: digits, upper- and lower-case letters.
GLYPH_CHARS = string.digits + string.ascii_uppercase + string.ascii_lowercase

#: Font files (in matplotlib's `mpl-data/fonts/ttf/`) of domain A and B.
GLYPH_FONTS = {"A": "DejaVuSans.ttf", "B": "DejaVuSerif.ttf"}

SHAPE_KINDS = ("circle", "square", "triangle")

_SUPERSAMPLE = 4
_SPLITS = {"train": 0, "test": 1}
_DEFAULT_SAMPLES = {"train": 8, "test": 2}


def _check_size(image_size):
    if (
        not isinstance(image_size, int)
        or isinstance(image_size, bool)
        or image_size < 8
    ):
        raise ValueError(
            "`image_size` must be an integer of at least 8. "
            f"Received: image_size={image_size!r}"
        )


def _check_chars(chars):
    if chars is None:
        return GLYPH_CHARS
    if not isinstance(chars, str) or not chars or any(c.isspace() for c in chars):
        raise ValueError(
            "`chars` must be a non-empty string of visible characters. "
            f"Received: chars={chars!r}"
        )
    return chars


def render_glyph(
    char,
    font,
    image_size,
    *,
    shift=(0.0, 0.0),
    scale=1.0,
    ink=(0, 0, 0),
    paper=(255, 255, 255),
):
    """Render one character, centred, as an (image_size, image_size, 3) uint8 array.

    The glyph's ink box is centred, then moved by `shift`; rendering is done
    at 4x and downsampled (Lanczos) for smooth edges.

    Args:
        char: str. One character.
        font: str. A font file name in matplotlib's fonts folder.
        image_size: int. Side of the square image.
        shift: (float, float). (x, y) offset as a fraction of the image side.
            Defaults to `(0.0, 0.0)`.
        scale: float. Glyph size relative to the default (0.62 of the side).
            Defaults to `1.0`.
        ink: (int, int, int). Glyph colour. Defaults to black.
        paper: (int, int, int). Background colour. Defaults to white.

    Returns:
        numpy uint8 array (image_size, image_size, 3).

    Example:
    ```python
    from keras_gans import datasets

    a = datasets.render_glyph("g", "DejaVuSans.ttf", 32)
    print(a.shape, a.dtype)  # (32, 32, 3) uint8
    ```
    """
    from PIL import Image, ImageDraw

    if not isinstance(char, str) or len(char) != 1:
        raise ValueError(f"`char` must be one character. Received: char={char!r}")
    _check_size(image_size)
    big = image_size * _SUPERSAMPLE
    font_obj = _font(font, max(4, int(round(0.62 * scale * big))))
    left, top, right, bottom = font_obj.getbbox(char)
    x = (big - (right - left)) / 2 - left + shift[0] * big
    y = (big - (bottom - top)) / 2 - top + shift[1] * big
    mask = Image.new("L", (big, big), 0)
    ImageDraw.Draw(mask).text((x, y), char, fill=255, font=font_obj)
    mask = mask.resize((image_size, image_size), Image.LANCZOS)
    a = np.asarray(mask, np.float32)[..., None] / 255.0
    out = np.asarray(ink, np.float32) * a + np.asarray(paper, np.float32) * (1.0 - a)
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def _jitter(enabled, seed, split, stream, char, sample):
    """Random shift, scale, ink and paper colours for one glyph.

    Drawn from its own stream keyed by (seed, split, stream, character, sample),
    so a glyph looks the same whichever other characters are rendered.
    """
    if not enabled:
        return (0.0, 0.0), 1.0, (0, 0, 0), (255, 255, 255)
    rng = np.random.default_rng([seed, _SPLITS[split], stream, ord(char), sample])
    shift = tuple(rng.uniform(-0.08, 0.08, size=2))
    scale = float(rng.uniform(0.85, 1.1))
    ink = tuple(int(v) for v in rng.integers(0, 110, size=3))
    paper = tuple(int(v) for v in rng.integers(205, 256, size=3))
    return shift, scale, ink, paper


def _render_domain(font, chars, samples, image_size, jitter, seed, split, stream):
    images = np.empty((len(chars) * samples, image_size, image_size, 3), np.uint8)
    labels = []
    k = 0
    for c in chars:
        for j in range(samples):
            shift, scale, ink, paper = _jitter(jitter, seed, split, stream, c, j)
            images[k] = render_glyph(
                c, font, image_size, shift=shift, scale=scale, ink=ink, paper=paper
            )
            labels.append(c)
            k += 1
    return images, labels


@functools.lru_cache(maxsize=16)
def _glyph_domains(image_size, split, samples, chars, jitter, seed):
    out = []
    for stream, side in enumerate("AB"):
        font = GLYPH_FONTS[side]
        out.append(
            _render_domain(
                font, chars, samples, image_size, jitter, seed, split, stream
            )
        )
    return tuple(out)


def glyph_domains(
    image_size=32,
    *,
    split="train",
    samples_per_char=None,
    chars=None,
    jitter=True,
    seed=0,
):
    """The two glyph domains as uint8 arrays (unpaired: independent jitter).

    Args:
        image_size: int. Image side. Defaults to `32`.
        split: str. `"train"` or `"test"` (different random jitter). Defaults
            to `"train"`.
        samples_per_char: int or None. Images per character and domain.
            Defaults to `None` (8 for train, 2 for test).
        chars: str or None. Characters to render. Defaults to `None`
            (`GLYPH_CHARS`: 62 digits and letters).
        jitter: bool. Random shift / scale / colours. Defaults to `True`.
        seed: int. Seed of the jitter. Defaults to `0`.

    Returns:
        `(images_a, labels_a, images_b, labels_b)`: uint8 arrays
        (N, image_size, image_size, 3) and the character of each image.

    Example:
    ```python
    from keras_gans import datasets

    a, la, b, lb = datasets.glyph_domains(32, chars="ab", samples_per_char=2)
    print(a.shape, la)  # (4, 32, 32, 3) ['a', 'a', 'b', 'b']
    ```
    """
    _check_size(image_size)
    if split not in _SPLITS:
        raise ValueError(
            f"`split` must be 'train' or 'test'. Received: split={split!r}"
        )
    samples = _DEFAULT_SAMPLES[split] if samples_per_char is None else samples_per_char
    check_int("samples_per_char", samples)
    chars = _check_chars(chars)
    (a, la), (b, lb) = _glyph_domains(
        image_size, split, samples, chars, bool(jitter), int(seed)
    )
    return a.copy(), list(la), b.copy(), list(lb)


def glyph_pairs(
    image_size=32, *, split="test", samples_per_char=1, chars=None, jitter=True, seed=0
):
    """Paired ground truth: each character with the same jitter in both fonts.

    `a[i]` (DejaVu Sans) and `b[i]` (DejaVu Serif) show `chars[i]` at the same
    position, size and colours, so a perfect A->B translation of `a[i]` is
    `b[i]`: score a model with e.g. the mean absolute error between
    `G(a)` and `b`.

    Args:
        image_size: int. Image side. Defaults to `32`.
        split: str. `"train"` or `"test"` (different jitter). Defaults to
            `"test"`.
        samples_per_char: int. Pairs per character. Defaults to `1`.
        chars: str or None. Characters. Defaults to `None` (`GLYPH_CHARS`).
        jitter: bool. Random shift / scale / colours. Defaults to `True`.
        seed: int. Seed of the jitter. Defaults to `0`.

    Returns:
        `(a, b, chars)`: float32 arrays (N, image_size, image_size, 3) in
        [-1, 1] and the list of N characters.

    Example:
    ```python
    from keras_gans import datasets

    a, b, chars = datasets.glyph_pairs(32, chars="Ag")
    print(a.shape, b.shape, chars)  # (2, 32, 32, 3) (2, 32, 32, 3) ['A', 'g']
    ```
    """
    _check_size(image_size)
    if split not in _SPLITS:
        raise ValueError(
            f"`split` must be 'train' or 'test'. Received: split={split!r}"
        )
    samples_per_char = check_int("samples_per_char", samples_per_char)
    chars = _check_chars(chars)
    a, b, labels = [], [], []
    for c in chars:
        for j in range(samples_per_char):
            shift, scale, ink, paper = _jitter(jitter, int(seed), split, 2, c, j)
            kw = {"shift": shift, "scale": scale, "ink": ink, "paper": paper}
            a.append(render_glyph(c, GLYPH_FONTS["A"], image_size, **kw))
            b.append(render_glyph(c, GLYPH_FONTS["B"], image_size, **kw))
            labels.append(c)
    return from_uint8(np.stack(a)), from_uint8(np.stack(b)), labels


def _array_dataset(images, *, batch_size, shuffle, seed, repeat, drop_remainder):
    """uint8 images -> shuffled tf.data.Dataset of float32 in [-1, 1]."""
    _pipeline.check_common(batch_size, repeat, seed, None)
    ds = tf.data.Dataset.from_tensor_slices(images)
    if shuffle:
        base = (
            seed if seed is not None else int(np.random.SeedSequence().entropy % 2**62)
        )
        ds = ds.shuffle(
            len(images), seed=_pipeline.mix_seed(base, 1), reshuffle_each_iteration=True
        )
    ds = ds.repeat(_pipeline.repeat_count(repeat))
    ds = ds.map(
        _pipeline.graph_fn(lambda x: to_unit_range(tf.cast(x, tf.float32))),
        num_parallel_calls=_pipeline.AUTOTUNE,
    )
    if batch_size is not None:
        ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    return ds.prefetch(_pipeline.AUTOTUNE)


def glyphs(
    image_size=32,
    *,
    split="train",
    batch_size=1,
    samples_per_char=None,
    chars=None,
    jitter=True,
    shuffle=None,
    seed=0,
    zip_domains=True,
    drop_remainder=False,
):
    """Unpaired glyph domains for CycleGAN: DejaVu Sans (A) vs DejaVu Serif (B).

    Letters and digits rendered locally with the fonts matplotlib ships, each
    with its own random shift, scale and colours, so the two domains show the
    same characters but no image of A has an exact partner in B. Use
    `glyph_pairs` for the paired ground truth.

    Args:
        image_size: int. Image side (32 or 64 are good choices). Defaults to `32`.
        split: str. `"train"` or `"test"`. Defaults to `"train"`.
        batch_size: int. Defaults to `1`.
        samples_per_char: int or None. Images per character and domain.
            Defaults to `None` (8 for train: 496 images per domain; 2 for test).
        chars: str or None. Defaults to `None` (`GLYPH_CHARS`).
        jitter: bool. Defaults to `True`.
        shuffle: bool or None. Defaults to `None` (shuffle the train split only).
        seed: int. Seeds the rendering and the shuffle. Defaults to `0`.
        zip_domains: bool. `True`: one dataset of `(a, b)` batches (see
            `keras_gans.data.unpaired`); `False`: `(dataset_a, dataset_b)`.
            Defaults to `True`.
        drop_remainder: bool. Defaults to `False`.

    Returns:
        A `tf.data.Dataset` of `(a, b)` float32 batches in [-1, 1], or a pair
        of datasets.

    Example:
    ```python
    from keras_gans import datasets

    ds = datasets.glyphs(32, batch_size=4, samples_per_char=1)
    a, b = next(iter(ds))
    print(a.shape, b.shape)  # (4, 32, 32, 3) (4, 32, 32, 3)
    ```
    """
    a, _, b, _ = glyph_domains(
        image_size,
        split=split,
        samples_per_char=samples_per_char,
        chars=chars,
        jitter=jitter,
        seed=seed,
    )
    shuffle = split == "train" if shuffle is None else bool(shuffle)
    seeds = (_pipeline.mix_seed(seed, 21) % 2**31, _pipeline.mix_seed(seed, 22) % 2**31)
    return two_domains(
        lambda source, **batching: _array_dataset(
            source[0], shuffle=shuffle, seed=source[1], repeat=False, **batching
        ),
        list(zip((a, b), seeds)),
        zip_domains=zip_domains,
        batch_size=batch_size,
        drop_remainder=drop_remainder,
    )


def _hsv_to_rgb(h, s, v):
    import colorsys

    return tuple(int(round(255 * c)) for c in colorsys.hsv_to_rgb(h, s, v))


def shape_images(n=2048, image_size=32, *, kinds=SHAPE_KINDS, seed=0):
    """Images of one coloured shape each on a light background, as uint8.

    Each image holds a circle, square or triangle of a random saturated colour,
    size (35-60% of the side) and position, on a light gray background.

    Args:
        n: int. Number of images. Defaults to `2048`.
        image_size: int. Image side. Defaults to `32`.
        kinds: tuple of str. Shapes to draw, from `SHAPE_KINDS`. Defaults to all.
        seed: int. Defaults to `0`.

    Returns:
        numpy uint8 array (n, image_size, image_size, 3).

    Example:
    ```python
    from keras_gans import datasets

    print(datasets.shape_images(4, 32).shape)  # (4, 32, 32, 3)
    ```
    """
    from PIL import Image, ImageDraw

    n = check_int("n", n)
    _check_size(image_size)
    kinds = tuple(kinds)
    bad = [k for k in kinds if k not in SHAPE_KINDS]
    if not kinds or bad:
        raise ValueError(
            f"`kinds` must be a non-empty subset of {SHAPE_KINDS}. "
            f"Received: kinds={kinds!r}"
        )
    rng = np.random.default_rng([int(seed), 3])
    big = image_size * _SUPERSAMPLE
    out = np.empty((n, image_size, image_size, 3), np.uint8)
    for i in range(n):
        img = Image.new("RGB", (big, big), (235, 235, 235))
        draw = ImageDraw.Draw(img)
        kind = kinds[int(rng.integers(len(kinds)))]
        colour = _hsv_to_rgb(
            rng.uniform(), rng.uniform(0.6, 1.0), rng.uniform(0.5, 0.95)
        )
        side = rng.uniform(0.35, 0.6) * big
        cx, cy = rng.uniform(side / 2 + 2, big - side / 2 - 2, size=2)
        box = (cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2)
        if kind == "circle":
            draw.ellipse(box, fill=colour)
        elif kind == "square":
            draw.rectangle(box, fill=colour)
        else:
            draw.polygon(
                [(cx, box[1]), (box[2], box[3]), (box[0], box[3])], fill=colour
            )
        out[i] = np.asarray(img.resize((image_size, image_size), Image.LANCZOS))
    return out


def shapes(
    image_size=32,
    *,
    n=2048,
    kinds=SHAPE_KINDS,
    batch_size=None,
    shuffle=True,
    seed=0,
    repeat=False,
    drop_remainder=False,
):
    """A noise-to-image demo set for DCGAN: one coloured shape per image.

    Simple, clearly structured images (a circle, square or triangle of one
    colour on a light background). The DCGAN demo (preset `"cspup_demo"`:
    2048 images at 32x32, batch 16, 1024 steps, about 2 CPU-minutes) learns
    the light background and one coloured blob per sample, varied in
    position, size and colour, but not yet clean outlines (docs/dcgan.md);
    `kinds=("circle",)` makes the task easier.

    Args:
        image_size: int. Image side. Defaults to `32`.
        n: int. Number of images. Defaults to `2048`.
        kinds: tuple of str. Shapes to draw. Defaults to all of `SHAPE_KINDS`.
        batch_size: int or None. Defaults to `None` (single images).
        shuffle: bool. Defaults to `True`.
        seed: int. Seeds rendering and shuffle. Defaults to `0`.
        repeat: bool or int. As in `keras_gans.data.image_folder`. Defaults to
            `False`.
        drop_remainder: bool. Defaults to `False`.

    Returns:
        A `tf.data.Dataset` of float32 images in [-1, 1].

    Example:
    ```python
    from keras_gans import datasets

    ds = datasets.shapes(32, n=64, batch_size=16)
    print(next(iter(ds)).shape)  # (16, 32, 32, 3)
    ```
    """
    images = shape_images(n, image_size, kinds=kinds, seed=seed)
    return _array_dataset(
        images,
        batch_size=batch_size,
        shuffle=shuffle,
        seed=seed,
        repeat=repeat,
        drop_remainder=drop_remainder,
    )


def _write_pngs(folder, images, names):
    from PIL import Image

    os.makedirs(folder, exist_ok=True)
    for image, name in zip(images, names):
        Image.fromarray(image).save(os.path.join(folder, name))
    return len(names)


def write_folders(
    root, name="glyphs", *, image_size=32, seed=0, overwrite=False, **kwargs
):
    """Write a demo set as PNG folders, for the folder loaders, the CLI and examples.

    `"glyphs"` writes `trainA/ trainB/` (unpaired, independently jittered) and
    `testA/ testB/` (paired: `testA/0007_u0041.png` and `testB/0007_u0041.png`
    show the same character with the same jitter), so
    `keras_gans.data.cyclegan_folders(root)` reads them. `"shapes"` writes
    `train/` and `test/` (an eighth as many images). `"paired_glyphs"`
    writes `train/` and `test/` with input and target side by side (the
    pairs of `paired_glyph_arrays`), for `keras_gans.data.paired_folder`.

    Args:
        root: str. The folder to fill (created if missing).
        name: str. `"glyphs"`, `"shapes"` or `"paired_glyphs"`. Defaults to
            `"glyphs"`.
        image_size: int. Image side. Defaults to `32`.
        seed: int. Defaults to `0`.
        overwrite: bool. Allow writing into non-empty sub-folders. Defaults
            to `False`.
        **kwargs: For `"glyphs"`: `samples_per_char` (train; the test split
            has one pair per character), `chars`, `jitter`. For `"shapes"`:
            `n` (train images; default 2048), `kinds`. For `"paired_glyphs"`:
            `task`, `samples_per_char` (train; 2 per character in test),
            `chars`, `jitter`.

    Returns:
        dict. Sub-folder name -> number of PNG files written.

    Example:
    ```python
    import tempfile
    from keras_gans import datasets

    counts = datasets.write_folders(tempfile.mkdtemp(), "glyphs", samples_per_char=1)
    print(counts)  # {'trainA': 62, 'trainB': 62, 'testA': 62, 'testB': 62}
    ```
    """
    if name not in _WRITERS:
        raise ValueError(
            f"`name` must be one of {sorted(_WRITERS)}. Received: name={name!r}"
        )
    subfolders, allowed, write = _WRITERS[name]
    root = os.fspath(root)
    if not overwrite:
        for sub in subfolders:
            folder = os.path.join(root, sub)
            if os.path.isdir(folder) and os.listdir(folder):
                raise FileExistsError(
                    f"{folder!r} is not empty; pass overwrite=True to write into it."
                )
    unknown = sorted(set(kwargs) - allowed)
    if unknown:
        raise ValueError(
            f"Unknown arguments for {name!r}: {unknown}; allowed: {sorted(allowed)}"
        )
    return write(root, image_size, seed, **kwargs)


def _write_glyphs(root, image_size, seed, **kwargs):
    """`trainA/ trainB/` (unpaired) and `testA/ testB/` (paired) glyph PNGs."""
    counts = {}
    a, la, b, lb = glyph_domains(image_size, split="train", seed=seed, **kwargs)
    for sub, images, labels in (("trainA", a, la), ("trainB", b, lb)):
        names = [f"{i:04d}_u{ord(c):04x}.png" for i, c in enumerate(labels)]
        counts[sub] = _write_pngs(os.path.join(root, sub), images, names)
    pair_kwargs = {k: v for k, v in kwargs.items() if k != "samples_per_char"}
    ta, tb, labels = glyph_pairs(image_size, split="test", seed=seed, **pair_kwargs)
    names = [f"{i:04d}_u{ord(c):04x}.png" for i, c in enumerate(labels)]
    for sub, images in (("testA", ta), ("testB", tb)):
        counts[sub] = _write_pngs(os.path.join(root, sub), to_uint8(images), names)
    return counts


def _write_shapes(root, image_size, seed, n=2048, kinds=SHAPE_KINDS):
    """`train/` (`n` images) and `test/` (an eighth as many) shape PNGs."""
    n = check_int("n", n)
    train = shape_images(n, image_size, kinds=kinds, seed=seed)
    test = shape_images(max(1, n // 8), image_size, kinds=kinds, seed=seed + 1)
    counts = {}
    for sub, images in (("train", train), ("test", test)):
        names = [f"{i:05d}.png" for i in range(len(images))]
        counts[sub] = _write_pngs(os.path.join(root, sub), images, names)
    return counts


#: `write_folders` name -> (sub-folders, keyword arguments, writer).
_WRITERS = {
    "glyphs": (
        ("trainA", "trainB", "testA", "testB"),
        {"samples_per_char", "chars", "jitter"},
        _write_glyphs,
    ),
    "shapes": (("train", "test"), {"n", "kinds"}, _write_shapes),
}


# === Paired glyphs (pix2pix demo) ===

#: `paired_glyphs` tasks: input -> target.
PAIRED_GLYPH_TASKS = ("bold", "serif")


def grow_ink(images):
    """Grow the dark ink of uint8 images by one pixel (a 3x3 minimum filter).

    Args:
        images: uint8 array `(n, H, W, C)`.

    Returns:
        A uint8 array of the same shape.

    Example:
    ```python
    import numpy as np
    from keras_gans import datasets

    dot = np.full((1, 5, 5, 3), 255, np.uint8)
    dot[0, 2, 2] = 0
    print((datasets.grow_ink(dot)[0, ..., 0] == 0).sum())  # 9
    ```
    """
    p = np.pad(images, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="edge")
    h, w = images.shape[1:3]
    shifted = [p[:, i : i + h, j : j + w] for i in range(3) for j in range(3)]
    return np.min(np.stack(shifted), axis=0)


def paired_glyph_arrays(
    image_size=32,
    *,
    task="bold",
    split="train",
    samples_per_char=None,
    chars=None,
    jitter=True,
    seed=0,
):
    """Exact (input, target) glyph pairs as float32 arrays in [-1, 1].

    The input is a DejaVu Sans glyph (random position, size and colours);
    the target is the same glyph made bold (`task="bold"`: the ink grown by
    one pixel, `grow_ink`) or the same character, position, size and
    colours in DejaVu Serif (`task="serif"`, `glyph_pairs`). The splits
    draw different jitter.

    Args:
        image_size: int. Image side. Defaults to `32`.
        task: str. `"bold"` or `"serif"`. Defaults to `"bold"`.
        split: str. `"train"` or `"test"`. Defaults to `"train"`.
        samples_per_char: int or None. Pairs per character. Defaults to
            `None` (8 for train: 496 pairs; 2 for test).
        chars: str or None. Defaults to `None` (`GLYPH_CHARS`).
        jitter: bool. Random shift / scale / colours. Defaults to `True`.
        seed: int. Seed of the jitter. Defaults to `0`.

    Returns:
        `(x, y, chars)`: float32 arrays `(N, image_size, image_size, 3)` and
        the character of each pair.

    Example:
    ```python
    from keras_gans import datasets

    x, y, chars = datasets.paired_glyph_arrays(32, chars="Ag", samples_per_char=1)
    print(x.shape, y.shape, chars)  # (2, 32, 32, 3) (2, 32, 32, 3) ['A', 'g']
    ```
    """
    if task not in PAIRED_GLYPH_TASKS:
        raise ValueError(
            f"`task` must be one of {PAIRED_GLYPH_TASKS}. Received: task={task!r}"
        )
    if samples_per_char is None:
        samples_per_char = _DEFAULT_SAMPLES.get(split, 1)
    a, b, labels = glyph_pairs(
        image_size,
        split=split,
        samples_per_char=samples_per_char,
        chars=chars,
        jitter=jitter,
        seed=seed,
    )
    if task == "bold":
        b = from_uint8(grow_ink(to_uint8(a)))
    return a, b, labels


def paired_glyphs(
    image_size=32,
    *,
    task="bold",
    split="train",
    batch_size=1,
    samples_per_char=None,
    chars=None,
    jitter=True,
    shuffle=None,
    seed=0,
    direction="AtoB",
    drop_remainder=False,
):
    """Paired glyphs for pix2pix: Sans -> bold (or Serif), a `tf.data.Dataset`.

    The pairs of `paired_glyph_arrays`: the target of every input is known
    exactly, so a model's held-out error `mean |G(x) - y|` can be compared
    with the identity baseline `mean |x - y|`.

    Args:
        image_size: int. Image side. Defaults to `32`.
        task: str. `"bold"` or `"serif"`. Defaults to `"bold"`.
        split: str. `"train"` or `"test"`. Defaults to `"train"`.
        batch_size: int or None. Pairs per batch; `None`: single pairs.
            Defaults to `1`.
        samples_per_char: int or None. Pairs per character. Defaults to
            `None` (8 for train: 496 pairs; 2 for test).
        chars: str or None. Defaults to `None` (`GLYPH_CHARS`).
        jitter: bool. Random shift / scale / colours. Defaults to `True`.
        shuffle: bool or None. Defaults to `None` (shuffle the train split).
        seed: int. Seeds the rendering and the shuffle. Defaults to `0`.
        direction: str. `"AtoB"` (Sans -> target) or `"BtoA"`. Defaults to
            `"AtoB"`.
        drop_remainder: bool. Defaults to `False`.

    Returns:
        A `tf.data.Dataset` of `(input, target)` float32 images in [-1, 1].

    Example:
    ```python
    from keras_gans import datasets

    ds = datasets.paired_glyphs(32, batch_size=4, samples_per_char=1)
    x, y = next(iter(ds))
    print(x.shape, y.shape)  # (4, 32, 32, 3) (4, 32, 32, 3)
    ```
    """
    if direction not in ("AtoB", "BtoA"):
        raise ValueError(
            f"`direction` must be 'AtoB' or 'BtoA'. Received: direction={direction!r}"
        )
    _pipeline.check_common(batch_size, False, seed, None)
    a, b, _ = paired_glyph_arrays(
        image_size,
        task=task,
        split=split,
        samples_per_char=samples_per_char,
        chars=chars,
        jitter=jitter,
        seed=seed,
    )
    x, y = (a, b) if direction == "AtoB" else (b, a)
    ds = tf.data.Dataset.from_tensor_slices((x, y))
    if split == "train" if shuffle is None else shuffle:
        ds = ds.shuffle(
            len(x),
            seed=_pipeline.mix_seed(seed, 23) % 2**31,
            reshuffle_each_iteration=True,
        )
    if batch_size is not None:
        ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    return ds.prefetch(_pipeline.AUTOTUNE)


def _write_paired_glyphs(root, image_size, seed, **kwargs):
    """`train/` and `test/` PNGs with A (input) and B (target) side by side."""
    counts = {}
    for split in ("train", "test"):
        options = dict(kwargs)
        if split == "test":
            options.pop("samples_per_char", None)
        options.setdefault("samples_per_char", _DEFAULT_SAMPLES[split])
        a, b, labels = paired_glyph_arrays(
            image_size, split=split, seed=seed, **options
        )
        names = [f"{i:04d}_u{ord(c):04x}.png" for i, c in enumerate(labels)]
        side_by_side = to_uint8(np.concatenate([a, b], axis=2))
        counts[split] = _write_pngs(os.path.join(root, split), side_by_side, names)
    return counts


# `write_folders(root, "paired_glyphs")`: the aligned layout of
# `keras_gans.data.paired_folder` (A | B in each file).
_WRITERS["paired_glyphs"] = (
    ("train", "test"),
    {"task", "samples_per_char", "chars", "jitter"},
    _write_paired_glyphs,
)
