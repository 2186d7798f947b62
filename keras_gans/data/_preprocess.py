"""The CycleGAN-paper preprocessing modes as a two-stage tf.data transform.

Stage 1 (deterministic, cacheable): decode, fix channels, resize to the load
size, round to the set's pixel dtype (uint8; uint16 when an image has 16 bits
per sample; float32 in [-1, 1] for float arrays). Stage 2 (random per element
and epoch): crop, flip and scale to [-1, 1]. The split lets `cache=` keep
stage 1 while crops and flips change every epoch.

The modes follow `get_transform` of junyanz/pytorch-CycleGAN-and-pix2pix:
`resize_and_crop` (resize to load_size x load_size, random crop crop_size; the
paper's 286 -> 256), `resize` (resize only), `crop` (random crop from the
stored size), `scale_width` (width to load_size, keeping the aspect ratio),
`scale_width_and_crop`, and `none`.
"""

import dataclasses

import tensorflow as tf

from keras_gans._checks import check_choice
from keras_gans.data._decode import ALPHA_MODES, decode_pixels
from keras_gans.imaging import to_unit_range

PREPROCESS_MODES = (
    "resize_and_crop",
    "resize",
    "crop",
    "scale_width",
    "scale_width_and_crop",
    "none",
)
CROP_MODES = ("random", "center")
INTERPOLATIONS = ("bicubic", "bilinear", "area", "lanczos3", "nearest")

#: The paper's load / crop ratio (286 / 256), used when only a crop size is given.
LOAD_RATIO = 286 / 256
DEFAULT_SIZE = 256


def _pair(value, name):
    """An int or (height, width) pair of positive ints, as a tuple, or None."""
    if value is None:
        return None
    pair = value
    if isinstance(value, int) and not isinstance(value, bool):
        pair = (value, value)
    ok = (
        isinstance(pair, (tuple, list))
        and len(pair) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in pair)
    )
    if not ok:
        raise ValueError(
            f"`{name}` must be a positive integer or a (height, width) pair of "
            f"positive integers. Received: {name}={value!r}"
        )
    return tuple(pair)


def _grow(size):
    return (int(round(size[0] * LOAD_RATIO)), int(round(size[1] * LOAD_RATIO)))


def _check_choices(preprocess, crop, alpha, interpolation):
    """Raise unless each string argument is one of its allowed values."""
    check_choice("preprocess", preprocess, PREPROCESS_MODES)
    check_choice("crop", crop, CROP_MODES)
    check_choice("alpha", alpha, ALPHA_MODES)
    check_choice("interpolation", interpolation, INTERPOLATIONS)


def _resolve_sizes(mode, image_size, load_size, crop_size):
    """The `(load_size, crop_size)` pairs of `mode`, defaults filled in, or an error."""
    image_size = _pair(image_size, "image_size")
    load = _pair(load_size, "load_size")
    crop_sz = _pair(crop_size, "crop_size")
    if image_size is not None and crop_sz is not None and image_size != crop_sz:
        raise ValueError(
            "`image_size` and `crop_size` name the same output size and differ. "
            f"Received: image_size={image_size_repr(image_size)}, "
            f"crop_size={image_size_repr(crop_sz)}"
        )
    if mode == "none":
        given = {"image_size": image_size, "load_size": load, "crop_size": crop_sz}
        given = {k: v for k, v in given.items() if v is not None}
        if given:
            raise ValueError(
                "preprocess='none' keeps the stored image size; pass no "
                f"image_size, load_size or crop_size. Received: {given}"
            )
    elif mode in ("resize", "scale_width"):
        if crop_sz is not None:
            raise ValueError(
                f"preprocess={mode!r} does not crop; use load_size or "
                f"image_size. Received: crop_size={crop_size!r}"
            )
        if load is not None and image_size is not None and load != image_size:
            raise ValueError(
                f"preprocess={mode!r}: `image_size` and `load_size` both set "
                f"and differ. Received: image_size={image_size!r}, "
                f"load_size={load_size!r}"
            )
        load = load or image_size or (DEFAULT_SIZE, DEFAULT_SIZE)
    elif mode == "crop":
        if load is not None:
            raise ValueError(
                "preprocess='crop' crops from the stored size and does not "
                "resize; pass crop_size or image_size. "
                f"Received: load_size={load_size!r}"
            )
        crop_sz = crop_sz or image_size or (DEFAULT_SIZE, DEFAULT_SIZE)
    else:  # resize_and_crop, scale_width_and_crop
        crop_sz = crop_sz or image_size or (DEFAULT_SIZE, DEFAULT_SIZE)
        load = load or _grow(crop_sz)
        _check_load_covers_crop(mode, load, crop_sz, load_size)
    if mode in ("scale_width", "scale_width_and_crop") and load_size is not None:
        if not isinstance(load_size, int):
            raise ValueError(
                f"preprocess={mode!r} scales the width to `load_size`, which "
                f"must be one integer. Received: load_size={load_size!r}"
            )
    return load, crop_sz


def _check_load_covers_crop(mode, load, crop_sz, load_size):
    too_small = (
        load[1] < crop_sz[1]
        if mode == "scale_width_and_crop"
        else (load[0] < crop_sz[0] or load[1] < crop_sz[1])
    )
    if too_small:
        raise ValueError(
            "`load_size` must be at least `crop_size` for "
            f"preprocess={mode!r}. Received: load_size={load_size!r}, "
            f"crop_size={image_size_repr(crop_sz)}"
        )


@dataclasses.dataclass(frozen=True)
class Preprocessing:
    """Resolved preprocessing settings (internal)."""

    mode: str
    load_size: tuple | None  # (h, w); for scale_width* only the width is used
    crop_size: tuple | None
    crop: str
    flip: bool
    alpha: str
    interpolation: str
    channels: int = 3
    dtype: str = "uint8"  # the stage-1 pixels: uint8, uint16 or float32
    arrays: bool = False  # TIFF / .npy among the files: their reader in the graph

    @classmethod
    def create(
        cls,
        preprocess,
        image_size=None,
        load_size=None,
        crop_size=None,
        crop="random",
        flip=True,
        alpha="white",
        interpolation="bicubic",
        channels=3,
    ):
        _check_choices(preprocess, crop, alpha, interpolation)
        check_channels(channels)
        load, crop_sz = _resolve_sizes(preprocess, image_size, load_size, crop_size)
        return cls(
            preprocess, load, crop_sz, crop, bool(flip), alpha, interpolation, channels
        )

    def with_depth(self, dtype, arrays=False):
        """The same settings reading pixels of `dtype` (see `DEPTHS`), and
        TIFF / .npy files when `arrays`."""
        return dataclasses.replace(self, dtype=dtype, arrays=arrays)

    # --- sizes ---------------------------------------------------------------

    @property
    def output_size(self):
        """The (h, w) every image gets, or None when it depends on the image."""
        if self.crop_size is not None:
            return self.crop_size
        if self.mode == "resize":
            return self.load_size
        return None

    def output_size_for(self, height, width):
        """The (h, w) output for a stored image of size (height, width)."""
        if self.output_size is not None:
            return self.output_size
        if self.mode == "scale_width":
            target = self.load_size[1]
            return (max(int(target * height / width), 1), target)
        return (height, width)  # none

    def min_source_size(self):
        """The (h, w) below which an image has to be enlarged (warned about)."""
        if self.mode == "scale_width":
            return (1, self.load_size[1])
        if self.mode == "scale_width_and_crop":
            return (self.crop_size[0], self.load_size[1])
        return self.output_size

    # --- stage 1: bytes -> pixels at the load size ---------------------------

    def _resize(self, image, size):
        """Pixels -> pixels of the same dtype (integers rounded, every dtype
        clipped to its range); antialiased when a side shrinks 2x or more.

        PIL (the reference code's resizer) always antialiases; below a 2x
        shrink the difference is small and TF's antialiased kernel costs
        about 2 ms more per 400x300 image, so it is used only from 2x on.
        """
        size = tf.cast(size, tf.int32)
        shrink = tf.reduce_any(size * 2 <= tf.shape(image)[:2])

        def resize(antialias):
            out = tf.image.resize(
                image, size, method=self.interpolation, antialias=antialias
            )
            out = tf.cast(out, tf.float32)
            if image.dtype == tf.float32:
                return tf.clip_by_value(out, -1.0, 1.0)
            top = float(image.dtype.max)
            return tf.cast(tf.round(tf.clip_by_value(out, 0.0, top)), image.dtype)

        return tf.cond(shrink, lambda: resize(True), lambda: resize(False))

    def load(self, contents):
        """Encoded bytes -> (h, w, channels) pixels at the load size
        (deterministic)."""
        image = decode_pixels(
            contents, self.channels, self.dtype, self.alpha, arrays=self.arrays
        )
        return self.fit(image)

    def fit(self, image):
        """Decoded pixels (h, w, C), any C (a pix2pix pair stacks A and B on
        channels) -> the same dtype at the load size (deterministic)."""
        shape = tf.shape(image)
        h, w = shape[0], shape[1]
        mode = self.mode
        if mode in ("resize_and_crop", "resize"):
            image = self._resize(image, self.load_size)
        elif mode in ("scale_width", "scale_width_and_crop"):
            target_w = self.load_size[1]
            min_h = self.crop_size[0] if self.crop_size is not None else 1
            # Same arithmetic as `output_size_for` (float64, truncation).
            new_h = tf.cast(
                tf.cast(target_w, tf.float64)
                * tf.cast(h, tf.float64)
                / tf.cast(w, tf.float64),
                tf.int32,
            )
            new_h = tf.maximum(new_h, min_h)
            image = tf.cond(
                tf.logical_and(tf.equal(w, target_w), tf.equal(h, new_h)),
                lambda: image,
                lambda: self._resize(image, tf.stack([new_h, target_w])),
            )
        elif mode == "crop":
            ch, cw = self.crop_size
            scale = tf.maximum(
                tf.maximum(ch / tf.cast(h, tf.float64), cw / tf.cast(w, tf.float64)),
                1.0,
            )
            new_h = tf.maximum(
                tf.cast(tf.math.ceil(tf.cast(h, tf.float64) * scale), tf.int32), ch
            )
            new_w = tf.maximum(
                tf.cast(tf.math.ceil(tf.cast(w, tf.float64) * scale), tf.int32), cw
            )
            image = tf.cond(
                scale > 1.0,
                lambda: self._resize(image, tf.stack([new_h, new_w])),
                lambda: image,
            )
        if mode in ("resize_and_crop", "resize"):
            image.set_shape([*self.load_size, image.shape[-1]])
        return image

    # --- stage 2: crop, flip, scale -------------------------------------------

    def augment(self, image, seed):
        """Pixels + an int64 random scalar -> float32 in [-1, 1]."""
        seed = tf.cast(seed, tf.int64)
        channels = image.shape[-1] or self.channels
        if self.crop_size is not None:
            ch, cw = self.crop_size
            if self.crop == "random":
                image = tf.image.stateless_random_crop(
                    image,
                    [ch, cw, channels],
                    seed=tf.stack([seed, tf.constant(1, tf.int64)]),
                )
            else:
                shape = tf.shape(image)
                top = (shape[0] - ch) // 2
                left = (shape[1] - cw) // 2
                image = image[top : top + ch, left : left + cw, :]
            image.set_shape([ch, cw, channels])
        if self.flip:
            image = tf.image.stateless_random_flip_left_right(
                image, seed=tf.stack([seed, tf.constant(2, tf.int64)])
            )
        if self.dtype == "float32":
            return image
        return to_unit_range(tf.cast(image, tf.float32), self.dtype)


def check_channels(channels, name="channels"):
    """Raise a `ValueError` quoting `name` unless `channels` is an int >= 1."""
    if isinstance(channels, bool) or not isinstance(channels, int) or channels < 1:
        raise ValueError(
            f"`{name}` must be a positive integer (1: gray, 3: RGB, 4: RGBA, N: "
            f"N bands). Received: {name}={channels!r}"
        )


def image_size_repr(size):
    return f"{size[0]}x{size[1]}" if size is not None else "None"
