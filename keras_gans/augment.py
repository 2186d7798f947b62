"""DiffAugment: differentiable augmentation of discriminator inputs.

Data-efficient GAN training (Zhao et al., 2020) augments *both* the real and
the generated images with the same random, differentiable transformations
right before the discriminator, in both the discriminator and the generator
step. The discriminator then cannot memorize the few real images, and the
generator still receives gradients through the augmentation.

`keras.ops` and `keras.random` only, so it runs on every backend and inside a
compiled train step with an unknown batch size (H, W must be static for
`"translation"` and `"cutout"`).

- `"color"`: random brightness, saturation and contrast per image;
- `"translation"`: a random integer shift per image, filled with 0;
- `"cutout"`: a random square per image set to 0.

`DiffAugment` documents the exact ranges; `get` and `serialize` convert it
from and to the form a model's config holds (None, a policy string or a
config dict).
"""

import keras
from keras import ops

__all__ = ["POLICIES", "DiffAugment", "get", "serialize"]

_PACKAGE = "keras_gans"

POLICIES = ("color", "translation", "cutout")

# Number of uniform draws per image that each policy consumes.
_DRAWS = {"color": 3, "translation": 2, "cutout": 2}


def _parse_policy(policy):
    """`"color, translation"` or `["color", "translation"]` -> a tuple of names."""
    if isinstance(policy, str):
        names = [name.strip() for name in policy.split(",")]
    elif isinstance(policy, list | tuple) and all(isinstance(p, str) for p in policy):
        names = [name.strip() for name in policy]
    else:
        raise ValueError(
            "`policy` must be a comma-separated str or a list of names from "
            f"{POLICIES}. Received: policy={policy!r}"
        )
    names = [name.lower() for name in names if name]
    for name in names:
        if name not in POLICIES:
            raise ValueError(
                f"`policy` contains an unknown augmentation {name!r}; valid names "
                f"are {POLICIES}. Received: policy={policy!r}"
            )
    return tuple(names)


def _check_ratio(name, value):
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if not (is_number and 0.0 <= value <= 1.0):
        raise ValueError(
            f"`{name}` must be a number in [0, 1]. Received: {name}={value!r}"
        )
    return float(value)


def _round(size, ratio):
    # Round half up, as the reference does: int(size * ratio + 0.5).
    return int(size * ratio + 0.5)


def _randint(u, low, high):
    """Integers uniform in [low, high] from uniforms `u` in [0, 1)."""
    n = high - low + 1
    k = ops.cast(ops.floor(u * n), "int32")
    return ops.minimum(k, n - 1) + low  # u * n may round up to n in float32


@keras.saving.register_keras_serializable(package=_PACKAGE)
class DiffAugment:
    """Differentiable augmentation for GAN discriminators (DiffAugment).

    Call it on reals and fakes alike, before the discriminator; the
    generator's gradient flows through it. Each call draws new random
    parameters, independently for every image of the batch, so the two
    calls (reals, fakes) get different augmentations.

    Images are NHWC floats in [-1, 1]; the output has the same shape and
    dtype. The operations of `policy` are applied in the order given, as in
    the reference implementation:

    - `"color"`: brightness `x + b` with `b ~ U(-0.5, 0.5)` (in [-1, 1]
      units, a quarter of the range); saturation `m + s * (x - m)` with `m`
      the mean over channels of each pixel and `s ~ U(0, 2)`; contrast
      `m + c * (x - m)` with `m` the mean of the image and `c ~ U(0.5, 1.5)`.
      The result may leave [-1, 1]; that is intended (the reference does not
      clip).
    - `"translation"`: shift by integer offsets `dy`, `dx`, each uniform in
      `[-t, t]` with `t = round(translation_ratio * size)` (rounding half up;
      `t = 2` for 16 pixels, `32` for 256), filling with 0.
    - `"cutout"`: set to 0 a rectangle of `round(cutout_ratio * H)` rows and
      `round(cutout_ratio * W)` columns (a square on square images) whose
      centre is uniform over the pixels, so it may stick out of the image
      by up to half its side.

    Translation and cutout only move or zero pixels: their output stays in
    `[min(x.min(), 0), max(x.max(), 0)]`. Every operation is differentiable
    with respect to the images (not with respect to the random offsets).

    The random parameters come from `seed_generator`, a
    `keras.random.SeedGenerator`. A model that uses the augmentation should
    track it (assign it to an attribute of the model) so that its state is
    saved with the model and advances inside a compiled train step.

    Args:
        policy: str or list of str. Names from `POLICIES`
            (`"color"`, `"translation"`, `"cutout"`), comma-separated or as a
            list, applied in this order; `""` or `[]` is the identity.
            Defaults to `"color,translation,cutout"`.
        translation_ratio: float in [0, 1]. The largest shift, as a fraction
            of the image size. Defaults to `0.125`.
        cutout_ratio: float in [0, 1]. The side of the cut-out square, as a
            fraction of the image size. Defaults to `0.5`.
        seed: int or None. Seed of `seed_generator`. Defaults to `None`.

    Example:

    ```python
    import numpy as np
    from keras_gans.augment import DiffAugment

    augment = DiffAugment("color,translation,cutout", seed=0)
    reals = np.random.uniform(-1, 1, (4, 32, 32, 3)).astype("float32")
    fakes = np.random.uniform(-1, 1, (4, 32, 32, 3)).astype("float32")
    # In a train step: logits = discriminator(augment(reals)), and the same
    # for augment(fakes).
    print(augment(reals).shape, augment(fakes).shape)  # (4, 32, 32, 3) (4, 32, 32, 3)
    ```

    Reference:
        Zhao et al., "Differentiable Augmentation for Data-Efficient GAN
        Training", NeurIPS 2020 (https://arxiv.org/abs/2006.10738); code:
        https://github.com/mit-han-lab/data-efficient-gans
    """

    def __init__(
        self,
        policy="color,translation,cutout",
        *,
        translation_ratio=0.125,
        cutout_ratio=0.5,
        seed=None,
    ):
        self._names = _parse_policy(policy)
        self.policy = ",".join(self._names)
        self.translation_ratio = _check_ratio("translation_ratio", translation_ratio)
        self.cutout_ratio = _check_ratio("cutout_ratio", cutout_ratio)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"`seed` must be an int or None. Received: seed={seed!r}")
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def __call__(self, images, seed=None):
        """Augment a batch of images.

        Args:
            images: tensor of shape (N, H, W, C), a float dtype, values in
                [-1, 1]. N may be unknown.
            seed: `keras.random.SeedGenerator`, int or None. Where the random
                parameters come from; `None` uses `self.seed_generator`. An
                int gives the same augmentation at every call.

        Returns:
            The augmented images, same shape and dtype as `images`.
        """
        images = ops.convert_to_tensor(images)
        if len(images.shape) != 4:
            raise ValueError(
                "`DiffAugment` expects NHWC images of rank 4. "
                f"Received: images.shape={images.shape}"
            )
        dtype = keras.backend.standardize_dtype(images.dtype)
        if not keras.backend.is_float_dtype(dtype):
            raise ValueError(
                f"`DiffAugment` expects float images. Received: images.dtype={dtype}"
            )
        if not self._names:
            return images
        if ("translation" in self._names or "cutout" in self._names) and (
            images.shape[1] is None or images.shape[2] is None
        ):
            raise ValueError(
                "`DiffAugment` needs a static height and width for translation and "
                f"cutout. Received: images.shape={images.shape}"
            )
        seed = self.seed_generator if seed is None else seed

        # One draw of shape (N, k) for the whole policy: every image gets its
        # own parameters, and an int `seed` does not repeat across operations.
        draws = sum(_DRAWS[name] for name in self._names)
        u = keras.random.uniform((ops.shape(images)[0], draws), seed=seed)
        x = images
        start = 0
        for name in self._names:
            params = u[:, start : start + _DRAWS[name]]
            start += _DRAWS[name]
            if name == "color":
                x = self._color(x, ops.cast(params, dtype))
            elif name == "translation":
                x = self._translation(x, params)
            else:
                x = self._cutout(x, params)
        return x

    # === Operations ===

    @staticmethod
    def _color(x, u):
        def per_image(column):
            return ops.reshape(u[:, column], (-1, 1, 1, 1))

        # Brightness: add U(-0.5, 0.5).
        x = x + (per_image(0) - 0.5)
        # Saturation: scale the deviation from the per-pixel channel mean by U(0, 2).
        mean = ops.mean(x, axis=3, keepdims=True)
        x = (x - mean) * (per_image(1) * 2.0) + mean
        # Contrast: scale the deviation from the image mean by U(0.5, 1.5).
        mean = ops.mean(x, axis=(1, 2, 3), keepdims=True)
        return (x - mean) * (per_image(2) + 0.5) + mean

    def _translation(self, x, u):
        for axis, column in ((1, 0), (2, 1)):
            size = x.shape[axis]
            shift = _round(size, self.translation_ratio)
            if shift == 0:
                continue
            offset = _randint(u[:, column], -shift, shift)
            # Output row i reads input row i - offset, or 0 outside the image.
            source = ops.arange(size, dtype="int32")[None, :] - offset[:, None]
            valid = ops.logical_and(source >= 0, source < size)
            index_shape = (-1, size, 1, 1) if axis == 1 else (-1, 1, size, 1)
            source = ops.reshape(ops.clip(source, 0, size - 1), index_shape)
            moved = ops.take_along_axis(x, source, axis=axis)
            x = ops.where(ops.reshape(valid, index_shape), moved, ops.zeros_like(x))
        return x

    def _cutout(self, x, u):
        keep = None
        for axis, column in ((1, 0), (2, 1)):
            size = x.shape[axis]
            side = _round(size, self.cutout_ratio)
            if side == 0:
                return x
            # Centre in [0, size - 1] (odd side) or [0, size] (even side), as
            # in the reference; rows [low, low + side) are cut.
            centre = _randint(u[:, column], 0, size - side % 2)
            low = centre - side // 2
            index = ops.arange(size, dtype="int32")[None, :]
            high = (low + side)[:, None]
            outside = ops.logical_or(index < low[:, None], index >= high)
            shape = (-1, size, 1, 1) if axis == 1 else (-1, 1, size, 1)
            outside = ops.reshape(outside, shape)
            keep = outside if keep is None else ops.logical_or(keep, outside)
        return ops.where(keep, x, ops.zeros_like(x))

    # === Config ===

    def get_config(self):
        return {
            "policy": self.policy,
            "translation_ratio": self.translation_ratio,
            "cutout_ratio": self.cutout_ratio,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{self.__class__.__name__}({args})"


_DEFAULTS = {"translation_ratio": 0.125, "cutout_ratio": 0.5, "seed": None}


def get(identifier):
    """Return a `DiffAugment` (or None) from a policy, config or instance.

    Args:
        identifier: None, bool False, str, list, dict or `DiffAugment`.
            None, `False`, `""` and `[]` (no augmentation) give None; a
            policy string or list (e.g. `"color,translation"`) gives a
            `DiffAugment` with default arguments; a dict from
            `serialize` / `keras.saving.serialize_keras_object` or from
            `DiffAugment.get_config()` is revived; an instance is returned
            as is.

    Returns:
        A `DiffAugment`, or None when there is nothing to apply.

    Example:

    ```python
    from keras_gans import augment

    print(augment.get("color,cutout"))  # DiffAugment(policy='color,cutout', ...)
    print(augment.get(None))  # None
    ```
    """
    if identifier is None or identifier is False:
        return None
    if isinstance(identifier, DiffAugment):
        return identifier
    if isinstance(identifier, dict):
        if "class_name" in identifier:
            obj = keras.saving.deserialize_keras_object(identifier)
        else:
            obj = DiffAugment.from_config(identifier)
        if not isinstance(obj, DiffAugment):
            raise ValueError(
                f"The config does not describe a DiffAugment. Received: {identifier!r}"
            )
        return obj
    if isinstance(identifier, str | list | tuple):
        if not _parse_policy(identifier):
            return None
        return DiffAugment(identifier)
    raise ValueError(
        "Could not interpret a DiffAugment identifier: expected None, a policy "
        f"str or list of names from {POLICIES}, a config dict or a DiffAugment. "
        f"Received: {identifier!r}"
    )


def serialize(aug):
    """The config form of an augmentation: its policy when arguments are default.

    Args:
        aug: None, str, list, dict or `DiffAugment`. Anything `get` accepts.

    Returns:
        None (no augmentation), the policy str (e.g. `"color,translation"`)
        when `translation_ratio`, `cutout_ratio` and `seed` are the
        defaults, else a `keras.saving.serialize_keras_object` dict.
        `get` reverses it.

    Example:

    ```python
    from keras_gans import augment

    print(augment.serialize(augment.DiffAugment("color")))  # color
    config = augment.serialize(augment.DiffAugment("cutout", cutout_ratio=0.25))
    print(augment.get(config).cutout_ratio)  # 0.25
    ```
    """
    aug = get(aug)
    if aug is None:
        return None
    config = aug.get_config()
    if all(config[key] == value for key, value in _DEFAULTS.items()):
        return aug.policy
    return keras.saving.serialize_keras_object(aug)
