"""FID / KID of a CycleGAN's translations against the real target images."""

import os

import numpy as np

from keras_gans import imaging, metrics
from keras_gans.inference import ImageTranslator
from keras_gans.runs.config import RunError
from keras_gans.runs.data import image_batches
from keras_gans.runs.folder import generator_of


def _features(extractor, batches, translator=None):
    """Features of every batch (translated first, with a `translator`)."""
    features = []
    for batch in batches:
        batch = np.asarray(batch)
        if translator is not None:
            batch = translator(imaging.to_uint8(batch))
        features.append(extractor(batch))
    return np.concatenate(features)


def _scores(real, fake):
    identity = lambda f: f  # noqa: E731 - the features are precomputed
    fid = metrics.fid(real, fake, feature_extractor=identity)
    kid, kid_std = metrics.kid(
        real,
        fake,
        feature_extractor=identity,
        subset_size=min(1000, len(real), len(fake)),
        return_std=True,
    )
    return {
        "fid": float(fid),
        "kid": float(kid),
        "kid_std": float(kid_std),
        "num_real": int(len(real)),
        "num_fake": int(len(fake)),
    }


def evaluate(
    model,
    data_a,
    data_b,
    *,
    directions=("ab", "ba"),
    image_size=256,
    max_images=1000,
    batch_size=16,
    weights="imagenet",
):
    """FID and KID of a CycleGAN's (or a generator's) translations.

    The images of `data_a` are translated to B (`"ab"`) through
    `keras_gans.inference.ImageTranslator` and compared with the real images
    of `data_b` in InceptionV3 feature space, and the other way round for
    `"ba"`.

    Args:
        model: a `keras_gans.CycleGAN` or an image-to-image generator.
        data_a: str. A folder of domain A images.
        data_b: str. A folder of domain B images.
        directions: tuple of str. `"ab"` and / or `"ba"`. Defaults to both.
        image_size: int. The side the images are resized to. Defaults to `256`.
        max_images: int. Images per domain at most. Defaults to `1000`.
        batch_size: int. Defaults to `16`.
        weights: str or None. InceptionV3 weights: `"imagenet"`, a local
            `.h5` file, or `None` (random: smoke tests only). Defaults to
            `"imagenet"`.

    Returns:
        `{direction: {"fid", "kid", "kid_std", "num_real", "num_fake"}}`.

    Example:

    ```python
    import os, tempfile
    from keras_gans import datasets, networks, runs

    root = tempfile.mkdtemp()
    datasets.write_folders(root, "glyphs", image_size=32, chars="AB")
    generator = networks.create("resnet_6blocks", ngf=4, n_blocks=1)
    scores = runs.evaluate(
        generator, os.path.join(root, "testA"), os.path.join(root, "testB"),
        directions=("ab",), image_size=75, batch_size=4, weights=None,
    )  # weights=None: random Inception weights, for a smoke test only
    print(sorted(scores["ab"]))  # ['fid', 'kid', 'kid_std', 'num_fake', 'num_real']
    ```
    """
    for flag, folder in (("--data-a", data_a), ("--data-b", data_b)):
        if not os.path.isdir(folder):
            raise RunError(f"{flag}: folder not found: {folder!r}")
    if weights not in (None, "imagenet") and not os.path.isfile(weights):
        raise RunError(f"--weights: file not found: {weights!r}")
    extractor = metrics.InceptionFeatures(weights=weights)
    results = {}
    for direction in directions:
        translator = ImageTranslator(generator_of(model, direction, "evaluate"))
        source, target = (data_a, data_b) if direction == "ab" else (data_b, data_a)
        real_batches = image_batches(target, image_size, batch_size, max_images)
        real = _features(extractor, real_batches)
        batches = image_batches(source, image_size, batch_size, max_images)
        fake = _features(extractor, batches, translator)
        real, fake = real[:max_images], fake[:max_images]
        if len(real) < 2 or len(fake) < 2:
            raise RunError("evaluate needs at least 2 images in each folder")
        results[direction] = _scores(real, fake)
    return results
