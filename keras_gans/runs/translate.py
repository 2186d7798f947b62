"""Image files in, translated images out, through `keras_gans.inference`.

Each output keeps its input's kind: 8-bit images give 8-bit PNGs, 16-bit
PNG and TIFF give 16-bit PNG and TIFF, `.npy` arrays give `.npy` arrays
(float in, float out), with the generator's output channels.
"""

import os

import numpy as np
import tensorflow as tf

from keras_gans.data import IMAGE_EXTENSIONS, list_image_files, load_image
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


def read_image(path, channels=3):
    """An image file as `(pixels, format)` (`keras_gans.data.load_image`):
    uint8, uint16 (16-bit PNG / TIFF, uint16 arrays) or float32 in [-1, 1]
    (float arrays), with `channels` channels."""
    try:
        return load_image(path, channels)
    except (tf.errors.OpError, OSError, ValueError) as e:
        message = one_line(e)[:300]
        raise ValueError(message.replace(f"{path}: ", "", 1)) from e


#: The extension written for each input format (others: 8-bit PNG).
OUTPUT_EXTENSIONS = {"png16": ".png", "tiff": ".tif", "npy": ".npy"}


def output_extension(fmt, channels):
    """The extension of a translation of a `fmt` input with `channels`
    channels: .npy for .npy, .tif for TIFF and for more than 4 channels
    (which PNG cannot hold), else .png (16-bit for a 16-bit input)."""
    ext = OUTPUT_EXTENSIONS.get(fmt, ".png")
    return ".tif" if ext == ".png" and channels > 4 else ext


def write_image(path, image):
    """Write pixels by the extension of `path`: `.npy` as the array, `.tif`
    through `tifffile` (uint8, uint16 or float32), `.png` as an 8- or
    16-bit PNG of 1 to 4 channels (folders made as needed)."""
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    if path.endswith(".npy"):
        np.save(path, image)
    elif path.endswith(".tif"):
        import tifffile

        if image.shape[-1] == 1:
            image = image[..., 0]
        tifffile.imwrite(
            path, image, photometric=_photometric(image), planarconfig="contig"
        )
    elif image.dtype == np.uint16:
        tf.io.write_file(path, tf.io.encode_png(image))
    else:
        write_png(path, image)


def _photometric(image):
    """RGB for 3 or 4 uint channels, else minisblack (bands)."""
    rgb = image.ndim == 3 and image.shape[-1] in (3, 4)
    rgb = rgb and image.dtype != np.float32
    return "rgb" if rgb else "minisblack"


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
    if image.dtype.kind == "f":  # floats in [-1, 1]
        return np.clip(y, -1.0, 1.0).astype(image.dtype)
    top = np.iinfo(image.dtype).max
    return np.clip(np.round(y), 0, top).astype(image.dtype)


def translate_files(translator, inputs, output, on_skip=None, max_size=None):
    """Translate image files and folders into same-size images under `output`.

    Folders keep their layout below `output`; names that collide get `_1`,
    `_2`, ... suffixes. Each image is read with the translator's input
    channels (`translator.channels`; 3 for a plain function) at its own
    depth, and written as `output_extension` says (8-bit in, 8-bit PNG out;
    16-bit PNG / TIFF and `.npy` keep their format and depth). With
    `max_size`, an image whose longer side exceeds it is first downscaled to
    it (`downscale`), and its output has the downscaled size.

    Args:
        translator: `keras_gans.inference.ImageTranslator` (or any function
            of pixels -> pixels of the same dtype).
        inputs: list of str. Image files and folders.
        output: str. The output folder.
        on_skip: callable or None. `on_skip(path, error)` for a file that
            cannot be read (it is skipped). Defaults to `None`.
        max_size: int or None. The longest side translated. Defaults to
            `None`: every image at its own size.

    Returns:
        `(written, failed)`: how many images were written, the unread paths.

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
    channels = getattr(translator, "channels", 3)
    failed, written, used = [], 0, set()
    for path, relative in files:
        try:
            image, fmt = read_image(path, channels)
        except ValueError as e:
            if on_skip is not None:
                on_skip(path, e)
            failed.append(path)
            continue
        result = translator(downscale(image, max_size))
        ext = output_extension(fmt, result.shape[-1])
        target = os.path.join(output, os.path.splitext(relative)[0] + ext)
        base, i = target, 1
        while target in used:
            target = f"{os.path.splitext(base)[0]}_{i}{ext}"
            i += 1
        used.add(target)
        write_image(target, result)
        written += 1
    return written, failed
