"""A generator to a serving file: what `keras-gans export` writes."""

import os

from keras_gans.export import (
    SIGNATURE_NAMES,
    export_generator,
    export_onnx,
    export_tflite,
)
from keras_gans.inference import generator_shape
from keras_gans.runs.config import RunError

#: The `format`s of `export_files`, the first the default.
FORMATS = ("saved_model", "onnx", "tflite")


def check_export_flags(format="saved_model", quantize=None, **_):
    """The message for a bad combination of `keras-gans export` flags, or None.

    Example:

    ```python
    from keras_gans.runs.export import check_export_flags

    print(check_export_flags(format="onnx", quantize="float16"))
    # --quantize is for --format tflite, not onnx
    ```
    """
    if quantize is not None and format != "tflite":
        return f"--quantize is for --format tflite, not {format}"
    return None


def export_files(
    generator,
    output,
    *,
    format="saved_model",
    direction="ab",
    version=1,
    image_size=None,
    quantize=None,
    overwrite=False,
):
    """Export `generator` in `format` under `output`; return what was written.

    A SavedModel goes to `output/<version>/`; ONNX and TFLite go to `output`
    when it ends in `.onnx` / `.tflite`, else to
    `output/generator_<direction>.<ext>`. An existing file or version is
    kept (a `RunError`) unless `overwrite`.

    Args:
        generator: `keras.Model`. The image-to-image generator.
        output: str. The folder (or file, for ONNX and TFLite).
        format: str. `"saved_model"`, `"onnx"` or `"tflite"`. Defaults to
            `"saved_model"`.
        direction: str. Names the file (`generator_<direction>`). Defaults
            to `"ab"`.
        version: int. The SavedModel version. Defaults to `1`.
        image_size: int or None. The size the generator runs at (the TFLite
            input size). Defaults to `None`.
        quantize: str or None. TFLite only: `"float16"` or `"dynamic_int8"`.
            Defaults to `None`.
        overwrite: bool. Replace what exists. Defaults to `False`.

    Returns:
        str: a one-line summary (`"Wrote ..."`).

    Example:

    ```python
    import tempfile

    from keras_gans import networks
    from keras_gans.runs.export import export_files

    generator = networks.create("resnet_6blocks", ngf=4, n_blocks=1)
    print(export_files(generator, tempfile.mkdtemp(), format="tflite", image_size=16))
    # Wrote .../generator_ab.tflite (16x16, float32)
    ```
    """
    if quantize is not None and format != "tflite":
        raise RunError(f"quantize={quantize!r} is for the tflite format, not {format}")
    if format == "saved_model":
        try:
            written = export_generator(
                generator,
                output,
                version=version,
                image_size=image_size,
                overwrite=overwrite,
            )
        except FileExistsError as e:
            raise RunError(str(e).replace("overwrite=True", "--overwrite")) from e
        return f"Wrote SavedModel {written} (signatures: {', '.join(SIGNATURE_NAMES)})"
    if format == "tflite" and image_size is None:
        if generator_shape(generator).fixed_size is None:
            raise RunError(
                "--format tflite runs at one fixed input size: pass --image-size N"
            )
    path = _file_path(output, f"generator_{direction}.{format}", overwrite)
    if format == "onnx":
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        return f"Wrote {export_onnx(generator, path)}"
    if format != "tflite":
        raise RunError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    export_tflite(generator, path, image_size=image_size, quantize=quantize)
    size = f"{image_size}x{image_size}" if isinstance(image_size, int) else "fixed size"
    return f"Wrote {path} ({size}, {quantize or 'float32'})"


def _file_path(output, name, overwrite):
    """`output` if it ends in `name`'s extension, else `output/name` (not
    created here); refused when it exists and not `overwrite`."""
    path = os.fspath(output)
    if not path.endswith(os.path.splitext(name)[1]):
        path = os.path.join(path, name)
    if os.path.exists(path) and not overwrite:
        raise RunError(f"{path!r} exists: pass --overwrite to replace it")
    return path
