"""Image files in, translated PNGs out, through `keras_gans.inference`."""

import os

import numpy as np
import tensorflow as tf

from keras_gans.data import IMAGE_EXTENSIONS, decode_rgb, list_image_files
from keras_gans.runs.build import one_line
from keras_gans.runs.config import RunError
from keras_gans.runs.train import write_png


def collect_images(inputs):
    """`[(path, output name relative to the output folder)]` of image files
    and folders (searched recursively)."""
    files = []
    for item in inputs:
        if os.path.isdir(item):
            images, _ = list_image_files(item)
            if not images:
                raise RunError(
                    f"no image in folder {item!r} (searched recursively for "
                    f"{', '.join(IMAGE_EXTENSIONS)})"
                )
            files += [(p, os.path.relpath(p, item)) for p in images]
        elif os.path.isfile(item):
            files.append((item, os.path.basename(item)))
        else:
            raise RunError(f"input not found: {item!r}")
    return files


def read_image(path):
    """uint8 RGB `(H, W, 3)` of an image file (any format the loaders read)."""
    try:
        image = decode_rgb(tf.io.read_file(path))
    except (tf.errors.OpError, ValueError) as e:
        raise ValueError(f"not a readable image ({one_line(e)[:200]})") from e
    return np.clip(np.round(image.numpy()), 0, 255).astype("uint8")


def check_translate_flags(tile_size=None, tile_overlap=None, max_size=None, **_):
    """The message for a bad combination of `keras-gans translate` flags, or
    None (the values themselves are checked by argparse).

    Example:

    ```python
    from keras_gans.runs.translate import check_translate_flags

    print(check_translate_flags(tile_size=64, tile_overlap=64))
    # --tile-overlap (64) must be less than --tile-size (64)
    ```
    """
    if tile_overlap is not None and tile_size is None:
        return "--tile-overlap needs --tile-size"
    if tile_size is not None and tile_overlap is not None and tile_overlap >= tile_size:
        return (
            f"--tile-overlap ({tile_overlap}) must be less than --tile-size "
            f"({tile_size})"
        )
    return None


def downscale(image, max_size):
    """`image` (H, W, C) pixels resized so that its longer side is at most
    `max_size` (bicubic, antialiased, same dtype); smaller images unchanged.

    Example:

    ```python
    import numpy as np
    from keras_gans.runs.translate import downscale

    downscale(np.zeros((300, 200, 3), "uint8"), 150).shape  # (150, 100, 3)
    ```
    """
    h, w = image.shape[:2]
    if max_size is None or max(h, w) <= max_size:
        return image
    scale = max_size / max(h, w)
    size = (max(1, round(h * scale)), max(1, round(w * scale)))
    y = tf.image.resize(image, size, method="bicubic", antialias=True).numpy()
    top = np.iinfo(image.dtype).max if image.dtype.kind in "ui" else 1.0
    return np.clip(np.round(y), 0, top).astype(image.dtype)


def translate_files(translator, inputs, output, on_skip=None, max_size=None):
    """Translate image files and folders into same-size PNGs under `output`.

    Folders keep their layout below `output`; names that collide get `_1`,
    `_2`, ... suffixes. With `max_size`, an image whose longer side exceeds
    it is first downscaled to it (`downscale`), and its output has the
    downscaled size.

    Args:
        translator: `keras_gans.inference.ImageTranslator` (or any uint8
            image -> uint8 image function).
        inputs: list of str. Image files and folders.
        output: str. The output folder.
        on_skip: callable or None. `on_skip(path, error)` for a file that
            cannot be read (it is skipped). Defaults to `None`.
        max_size: int or None. The longest side translated. Defaults to
            `None`: every image at its own size.

    Returns:
        `(written, failed)`: how many PNGs were written, the unread paths.

    Example:

    ```python
    import os
    import tempfile

    import numpy as np
    from PIL import Image
    from keras_gans import networks
    from keras_gans.inference import ImageTranslator
    from keras_gans.runs import translate_files

    folder = tempfile.mkdtemp()
    Image.fromarray(np.zeros((21, 30, 3), "uint8")).save(f"{folder}/a.png")
    translate = ImageTranslator(networks.create("resnet_6blocks", ngf=4))
    written, failed = translate_files(translate, [folder], f"{folder}/out")
    ```
    """
    files = collect_images(inputs)
    os.makedirs(output, exist_ok=True)
    failed, written, used = [], 0, set()
    for path, relative in files:
        try:
            image = read_image(path)
        except ValueError as e:
            if on_skip is not None:
                on_skip(path, e)
            failed.append(path)
            continue
        target = os.path.join(output, os.path.splitext(relative)[0] + ".png")
        base, i = target, 1
        while target in used:
            target = f"{os.path.splitext(base)[0]}_{i}.png"
            i += 1
        used.add(target)
        write_png(target, translator(downscale(image, max_size)))
        written += 1
    return written, failed
