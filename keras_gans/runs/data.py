"""The data of a run: what to read (`data_spec`), the per-epoch pipelines
(`make_data`) and the fixed images of the sample grids (`sample_images`)."""

import math
import os

import numpy as np
import tensorflow as tf

from keras_gans import data, datasets, imaging, presets
from keras_gans.runs.config import RunError
from keras_gans.runs.settings import (
    VARIABLE_SIZE_MODES,
    generator_stride,
    loader_options,
)

#: Characters of the fixed demo samples in the CycleGAN grids.
DEMO_GRID_CHARS = "AbGkRw35"

#: Training images of the DCGAN demo set (`keras_gans.datasets.shapes`).
DEMO_SHAPES = 2048

#: DCGAN images (seed 004 follows the PyTorch DCGAN tutorial): the width
#: scaled to the size, a centre crop, no flips.
DCGAN_PREPROCESSING = {
    "preprocess": "scale_width_and_crop",
    "crop": "center",
    "flip": False,
}


def data_spec(
    kind,
    data=None,
    *,
    data_a=None,
    data_b=None,
    tfrecords_a=None,
    tfrecords_b=None,
    tfrecords=None,
):
    """The data of a run as a JSON-able dict (absolute paths), or None (demo).

    Args:
        kind: str. `"cyclegan"`, `"dcgan"` or `"pix2pix"`.
        data: str or None. A CycleGAN folder with `trainA/` and `trainB/`,
            a DCGAN image folder, or a Pix2Pix folder of the official
            aligned layout (`train/` of A|B side by side, or `A/train/` with
            `B/train/`).
        data_a: str or None. A CycleGAN's images of domain A (with `data_b`);
            a Pix2Pix's A images (files named as their partners in `data_b`).
        data_b: str or None. A CycleGAN's images of domain B; a Pix2Pix's B.
        tfrecords_a: list of str or None. A CycleGAN's TFRecords of A (with
            `tfrecords_b`; globs allowed).
        tfrecords_b: list of str or None. A CycleGAN's TFRecords of B.
        tfrecords: list of str or None. A DCGAN's TFRecords.

    Returns:
        A dict with a `kind` (`"folders"`, `"folder"`, `"domains"`,
        `"tfrecords"`, or for pix2pix `"aligned"` or `"pairs"`) and the
        paths, or `None` when nothing is given.

    Example:

    ```python
    import tempfile
    from keras_gans import runs

    folder = tempfile.mkdtemp()
    runs.data_spec("dcgan", folder)  # {'data': '/...', 'kind': 'folder'}
    ```
    """
    values = {
        "data": data,
        "data_a": data_a,
        "data_b": data_b,
        "tfrecords_a": tfrecords_a,
        "tfrecords_b": tfrecords_b,
        "tfrecords": tfrecords,
    }
    given = {k: v for k, v in values.items() if v is not None}
    if not given:
        return None
    flags = ", ".join("--" + k.replace("_", "-") for k in sorted(given))
    if kind == "dcgan":
        allowed = ({"data"}, {"tfrecords"})
    elif kind == "pix2pix":
        allowed = ({"data"}, {"data_a", "data_b"})
    else:
        allowed = ({"data"}, {"data_a", "data_b"}, {"tfrecords_a", "tfrecords_b"})
    if set(given) not in allowed:
        options = " or ".join(
            " + ".join("--" + k.replace("_", "-") for k in sorted(a)) for a in allowed
        )
        raise RunError(f"{kind} takes {options} as data. Received: {flags}")
    spec = {key: _checked_paths(key, value) for key, value in given.items()}
    if kind == "cyclegan" and "data" in spec:
        _check_cyclegan_folder(spec["data"])
    if kind == "pix2pix":
        if "data" in spec:
            _check_aligned_folder(spec["data"])
        spec["kind"] = "aligned" if "data" in spec else "pairs"
    elif "data" in spec:
        spec["kind"] = "folders" if kind == "cyclegan" else "folder"
    elif "data_a" in spec:
        spec["kind"] = "domains"
    else:
        spec["kind"] = "tfrecords"
    return spec


def _checked_paths(key, value):
    """A folder, or a list of TFRecord files / globs, as absolute paths."""
    flag = "--" + key.replace("_", "-")
    if key.startswith("tfrecords"):
        files = []
        for item in value:
            if not (os.path.exists(item) or any(c in item for c in "*?[")):
                raise RunError(f"{flag}: file not found: {item!r}")
            files.append(os.path.abspath(item))  # globs too
        return files
    if not os.path.isdir(value):
        what = "not a folder" if os.path.exists(value) else "folder not found"
        raise RunError(f"{flag}: {what}: {value!r}")
    return os.path.abspath(value)


def _check_cyclegan_folder(root):
    missing = [
        s for s in ("trainA", "trainB") if not os.path.isdir(os.path.join(root, s))
    ]
    if missing:
        raise RunError(
            f"--data: {root!r} has no {' or '.join(missing)}/ folder "
            "(a CycleGAN data folder holds trainA/ and trainB/; or give "
            "--data-a and --data-b)"
        )


def _check_aligned_folder(root):
    def isdir(*parts):
        return os.path.isdir(os.path.join(root, *parts))

    if not (isdir("train") or (isdir("A", "train") and isdir("B", "train"))):
        raise RunError(
            f"--data: {root!r} has no train/ folder (a pix2pix data folder holds "
            "train/ with A and B side by side in each image, or A/train/ and "
            "B/train/; or give --data-a and --data-b)"
        )


def _epoch_seed(seed, epoch, salt=0):
    """A 31-bit seed that is a pure function of `(seed, epoch, salt)`."""
    state = np.random.SeedSequence([int(seed), int(epoch), int(salt), 0x6B67])
    return int(state.generate_state(1)[0] >> 1)


def make_data(config):
    """The `data(epoch) -> tf.data.Dataset` function of a run config.

    Each epoch's pipeline is shuffled and augmented with seeds derived from
    `(seed, epoch)`, so a resumed run sees the same batches as an
    uninterrupted one. (The seeds are given to the pipelines, not through
    TensorFlow's global seed, whose change would retrace the train step
    every epoch.) The demo sets are rendered once and reshuffled each epoch.

    Args:
        config: dict. A run config (`keras_gans.runs.RunConfig`).

    Returns:
        A function `epoch -> tf.data.Dataset` for `keras_gans.training.train`.

    Example:

    ```python
    from keras_gans import runs

    config = runs.RunConfig.from_preset("cyclegan", image_size=16, batch_size=2)
    a, b = next(iter(runs.make_data(config)(0)))  # epoch 0: (2, 16, 16, 3) each
    ```
    """
    if config["model"] == "pix2pix":
        return _pix2pix_data(config)
    spec = config["data"]
    size, batch, seed = config["image_size"], config["batch_size"], config["seed"]
    kind, model = spec["kind"], config["model"]
    rendered = {}

    def demo(name):
        if name not in rendered:
            if name == "glyphs":
                a, _, b, _ = datasets.glyph_domains(size, seed=seed)
                rendered[name] = (a, b)
            else:
                rendered[name] = (datasets.shape_images(DEMO_SHAPES, size, seed=seed),)
        return rendered[name]

    read, options = _reader(config), loader_options(config)
    c_a, c_b = config.get("input_nc", 3), config.get("output_nc", 3)

    def cyclegan_data(epoch):
        s, s2 = _epoch_seed(seed, epoch), _epoch_seed(seed, epoch, 1)
        if kind == "demo":
            a, b = demo("glyphs")
            a, b = _shuffled_images(a, s), _shuffled_images(b, s2)
        elif kind == "folders" and options.get("image_size", size) is not None:
            return data.cyclegan_folders(
                spec["data"],
                size,
                batch_size=batch,
                seed=s,
                channels=(c_a, c_b),
                **options,
            )
        else:  # folders at the images' sizes (cropped to the stride), TFRecords
            source_a, source_b = _domain_sources(spec)
            a = read(source_a, s, channels=c_a)
            b = read(source_b, s2, channels=c_b)
        return data.unpaired(a, b, batch_size=batch)

    def dcgan_data(epoch):
        s = _epoch_seed(seed, epoch)
        if kind == "demo":
            (images,) = demo("shapes")
            return _shuffled_images(images, s).batch(batch).prefetch(tf.data.AUTOTUNE)
        source = spec["data"] if kind == "folder" else spec["tfrecords"]
        return read(
            source,
            s,
            **DCGAN_PREPROCESSING,
            load_size=size,
            batch_size=batch,
            drop_remainder=True,
        )

    return cyclegan_data if model == "cyclegan" else dcgan_data


def _domain_sources(spec):
    """The folders (or TFRecord lists) of domains A and B of a CycleGAN spec."""
    if spec["kind"] == "folders":
        return tuple(os.path.join(spec["data"], "train" + d) for d in "AB")
    prefix = "data" if spec["kind"] == "domains" else "tfrecords"
    return spec[prefix + "_a"], spec[prefix + "_b"]


def _reader(config):
    """`read(source, seed, **kwargs)`: the images of a folder (or of a list of
    TFRecord files) with the run's preprocessing (`settings.loader_options`
    over `kwargs`); images of their own size (`--preprocess none`,
    `scale_width`) are centre-cropped to a multiple of the generator's stride.
    """
    size, key = config["image_size"], config.get("image_key", "image")
    options = loader_options(config)
    stride = None
    if config.get("preprocess") in VARIABLE_SIZE_MODES:
        preset = presets.get(config["preset"])
        stride = generator_stride(preset, config.get("generator_config"))

    def read(source, seed, **kwargs):
        args = {"image_size": size, **kwargs, **options, "seed": seed}
        if isinstance(source, list):
            ds = data.tfrecords(source, image_key=key, **args)
        else:
            ds = data.image_folder(source, **args)
        if stride is None:
            return ds
        ds = ds.map(_crop_to_stride(stride))
        # One static size (the image pools need it): the first image's; an
        # image of another size stops the run with a shape error.
        shape = next(iter(ds.take(1))).shape
        return ds.map(lambda image: tf.ensure_shape(image, shape))

    return read


def _crop_to_stride(stride):
    """An image -> its centre crop to height and width multiples of `stride`."""

    def crop(image):
        shape = tf.shape(image)
        h, w = shape[0] // stride * stride, shape[1] // stride * stride
        top, left = (shape[0] - h) // 2, (shape[1] - w) // 2
        return image[top : top + h, left : left + w, :]

    return crop


def _pix2pix_data(config):
    """`make_data` of a pix2pix run: `(input, target)` batches in [-1, 1]."""
    spec, size, seed = config["data"], config["image_size"], config["seed"]
    batch, direction = config["batch_size"], config["direction"]
    rendered = []

    def epoch_data(epoch):
        s = _epoch_seed(seed, epoch)
        if spec["kind"] == "demo":
            if not rendered:  # rendered once, reshuffled every epoch
                rendered.extend(demo_pairs(config, "train"))
            ds = tf.data.Dataset.from_tensor_slices(tuple(rendered[:2]))
            ds = ds.shuffle(len(rendered[0]), seed=s).batch(batch)
            return ds.prefetch(tf.data.AUTOTUNE)
        # The run's --preprocess / --load-size / --no-flip (none: the official
        # aligned loader's resize to size * 286 / 256, random crop and flip).
        options = loader_options(config)
        path, path_b = spec.get("data", spec.get("data_a")), spec.get("data_b")
        return data.paired_folder(
            path,
            options.pop("image_size", size),
            path_b=path_b,
            direction=direction,
            batch_size=batch,
            seed=s,
            channels=(config.get("input_nc", 3), config.get("output_nc", 3)),
            **options,
        )

    return epoch_data


def demo_pairs(config, split, chars=None):
    """The demo's `(input, target, chars)` glyph pairs in the run's direction."""
    task = presets.get(config["preset"]).get("data", {}).get("task", "bold")
    a, b, chars = datasets.paired_glyph_arrays(
        config["image_size"],
        task=task,
        split=split,
        seed=config["seed"],
        chars=chars,
        samples_per_char=1 if chars else None,
    )
    return (a, b, chars) if config["direction"] == "AtoB" else (b, a, chars)


def _shuffled_images(images, seed):
    """uint8 images -> shuffled dataset of single float32 images in [-1, 1]."""
    ds = tf.data.Dataset.from_tensor_slices(images).shuffle(len(images), seed=seed)
    return ds.map(
        lambda x: imaging.to_unit_range(tf.cast(x, tf.float32)),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )


def sample_images(config):
    """The fixed images shown in a run's sample grids.

    Args:
        config: dict. A run config (`keras_gans.runs.RunConfig`).

    Returns:
        For a CycleGAN, `(samples_a, samples_b)` float32 arrays in [-1, 1]
        with the same number of images; for a Pix2Pix, `(inputs, targets)`
        (held-out pairs); for a DCGAN, `(real,)` (used as the diversity
        reference).

    Example:

    ```python
    from keras_gans import runs

    config = runs.RunConfig.from_preset("cyclegan", image_size=16)
    a, b = runs.sample_images(config)  # 8 glyph pairs, (8, 16, 16, 3) each
    ```
    """
    if config["model"] == "pix2pix":
        return _pix2pix_samples(config)
    spec, size, n = config["data"], config["image_size"], config["samples"]
    kind, key = spec["kind"], config.get("image_key", "image")
    fixed = {"preprocess": "resize", "flip": False, "shuffle": False, "batch_size": n}

    def first(ds):
        return np.asarray(next(iter(ds)))

    if config["model"] == "dcgan":
        fixed.update(DCGAN_PREPROCESSING, load_size=size)
        if kind == "demo":
            images = datasets.shape_images(n, size, seed=12345)
            return (imaging.from_uint8(images),)
        if kind == "folder":
            return (first(data.image_folder(spec["data"], size, **fixed)),)
        return (first(data.tfrecords(spec["tfrecords"], size, image_key=key, **fixed)),)
    if kind == "demo":
        a, b, _ = datasets.glyph_pairs(size, split="test", chars=demo_grid_chars(n))
        return a[:n], b[:n]
    c_a, c_b = config.get("input_nc", 3), config.get("output_nc", 3)
    if kind == "folders":
        root = spec["data"]
        split = (
            "test"
            if all(os.path.isdir(os.path.join(root, s)) for s in ("testA", "testB"))
            else "train"
        )
        folders = [os.path.join(root, split + side) for side in "AB"]
    else:
        folders = [spec["data_a"], spec["data_b"]] if kind == "domains" else None
    if folders is not None:
        a, b = (
            first(data.image_folder(f, size, channels=c, **fixed))
            for f, c in zip(folders, (c_a, c_b))
        )
    else:
        a, b = (
            first(data.tfrecords(f, size, image_key=key, channels=c, **fixed))
            for f, c in ((spec["tfrecords_a"], c_a), (spec["tfrecords_b"], c_b))
        )
    m = min(len(a), len(b))
    return a[:m], b[:m]


def _pix2pix_samples(config):
    """`(inputs, targets)` of a pix2pix run's grids: held-out pairs (the
    demo's test split; a folder's test/, else val/, else train/)."""
    spec, n = config["data"], config["samples"]
    if spec["kind"] == "demo":
        x, y, _ = demo_pairs(config, "test", chars=demo_grid_chars(n))
        return x[:n], y[:n]
    root = spec.get("data", spec.get("data_a"))
    split = "train"
    if spec["kind"] == "aligned":
        for name in ("val", "test"):
            if os.path.isdir(os.path.join(root, name)) or os.path.isdir(
                os.path.join(root, "A", name)
            ):
                split = name
    x, y = next(
        iter(
            data.paired_folder(
                root,
                config["image_size"],
                split=split,
                path_b=spec.get("data_b"),
                direction=config["direction"],
                batch_size=n,
                preprocess="resize",
                flip=False,
                shuffle=False,
                channels=(config.get("input_nc", 3), config.get("output_nc", 3)),
            )
        )
    )
    return np.asarray(x), np.asarray(y)


def demo_grid_chars(n):
    """The characters of the demo's `n` grid samples (None: all glyphs)."""
    return DEMO_GRID_CHARS[:n] if n <= len(DEMO_GRID_CHARS) else None


def image_batches(folder, size, batch_size, max_images=1000):
    """The first `max_images` images of `folder` (resized to `size`), in
    batches: a re-iterable `tf.data.Dataset`."""
    ds = data.image_folder(
        folder,
        size,
        preprocess="resize",
        flip=False,
        shuffle=False,
        batch_size=batch_size,
    )
    return ds.take(math.ceil(max_images / batch_size))
