"""Export a trained generator for serving: a TF Serving SavedModel, ONNX or TFLite.

`export_generator` writes the generator alone (no discriminators, no
optimizers) as a SavedModel in TF Serving's versioned layout
(`path/<version>/saved_model.pb`) with three signatures:

- `serving_default`: float32 NHWC images in [-1, 1] -> float32 in [-1, 1];
- `translate_image`: uint8 NHWC images -> uint8 images;
- `translate_encoded`: a batch (1-D string tensor) of encoded JPEG / PNG /
  GIF / BMP bytes -> PNG bytes, each image at its own size.

Every signature takes any height and width: the image is reflect-padded to a
multiple of the generator's stride inside the graph and cropped back after.
Bad input (wrong rank or channels, floats outside [-1, 1], bytes that are not
an image) stops the request with an error message, never a wrong picture.

The SavedModel is plain TensorFlow: loading it needs neither Keras nor
keras_gans. `export_onnx` writes the `serving_default` computation as ONNX
and `export_tflite` as a TFLite flatbuffer at one fixed image size. See
`docs/serving.md` for TF Serving commands and clients.
"""

import os
import tempfile
import warnings

import keras
import numpy as np
import tensorflow as tf

from keras_gans import imaging, inference
from keras_gans._checks import check_int
from keras_gans.export_backends import run_under_tensorflow

__all__ = [
    "QUANTIZATIONS",
    "SIGNATURE_NAMES",
    "export_generator",
    "export_onnx",
    "export_tflite",
]

#: The signatures that `export_generator` writes, in this order.
SIGNATURE_NAMES = ("serving_default", "translate_image", "translate_encoded")

#: The `quantize` options of `export_tflite` (besides `None`: float32).
QUANTIZATIONS = ("float16", "dynamic_int8")

# Leading bytes of the formats that `tf.io.decode_image` reads.
_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM")

# Floats a little outside [-1, 1] (resampling overshoot) are let through;
# [0, 255] or [0, 1]-with-noise mistakes are not.
_RANGE_TOLERANCE = 0.01


def _select_generator(model_or_generator, direction):
    """The generator to export: `model_or_generator` itself, or, for a model
    with `generator_ab` / `generator_ba` attributes (a CycleGAN), the one
    that `direction` names (its EMA copy when the model keeps one)."""
    if direction not in ("ab", "ba"):
        raise ValueError(
            f'`direction` must be "ab" or "ba". Received: direction={direction!r}'
        )
    attr = f"generator_{direction}"
    if hasattr(model_or_generator, attr) and hasattr(
        model_or_generator, "inference_generator"
    ):
        # The EMA generator when the model keeps one.
        generator = model_or_generator.inference_generator(direction)
    elif hasattr(model_or_generator, attr):
        generator = getattr(model_or_generator, attr)
    elif hasattr(model_or_generator, "translate") and hasattr(
        model_or_generator, "inference_generator"
    ):
        # A Pix2Pix: its one generator ("ab"), the EMA copy when it keeps one.
        generator = model_or_generator.inference_generator(direction)
    else:
        generator = model_or_generator
    if not isinstance(generator, keras.Model):
        raise TypeError(
            "`model_or_generator` must be a keras.Model generator or a model with "
            "`generator_ab` / `generator_ba` attributes (a CycleGAN). Received: "
            f"{type(model_or_generator).__name__}"
        )
    return generator


def _image_spec(generator):
    """`(height, width, channels_in, channels_out)` of an image generator;
    height and width are None where the generator takes any size."""
    try:
        in_shape = tuple(generator.input_shape)
        out_shape = tuple(generator.output_shape)
    except (AttributeError, ValueError) as e:
        raise ValueError(
            f"Generator {generator.name!r} has no known input shape: build it "
            "with a `keras.Input` (a functional model, as keras_gans networks "
            "are) before exporting it."
        ) from e
    if len(in_shape) != 4 or len(out_shape) != 4:
        raise ValueError(
            f"Generator {generator.name!r} must map NHWC images to NHWC images. "
            f"Received: input shape {in_shape}, output shape {out_shape}"
        )
    if in_shape[-1] is None or out_shape[-1] is None:
        raise ValueError(
            f"Generator {generator.name!r} must have a fixed number of channels. "
            f"Received: input shape {in_shape}, output shape {out_shape}"
        )
    return in_shape[1], in_shape[2], in_shape[3], out_shape[3]


def _normalize_image_size(image_size):
    if image_size is None:
        return None
    if isinstance(image_size, (int, np.integer)):
        image_size = (int(image_size), int(image_size))
    image_size = tuple(image_size)
    if len(image_size) != 2 or not all(
        isinstance(s, (int, np.integer)) and s > 0 for s in image_size
    ):
        raise ValueError(
            "`image_size` must be None, a positive int or a (height, width) pair "
            f"of positive ints. Received: image_size={image_size}"
        )
    return tuple(int(s) for s in image_size)


class _Translator:
    """The graph pieces shared by the three signatures.

    Input checks are `tf.debugging.Assert`s on conditions computed with ops
    that cannot fail, and the work they guard runs inside a `tf.cond` on the
    same conditions. Control dependencies alone do not order an assert
    before a failing op: Grappler rewrites them (observed: a rank-3 input
    then fails in a `strided_slice` with "slice index 3 of dimension 0 out of
    bounds" instead of the assert's message).
    """

    def __init__(
        self, generator, *, stride, min_size, image_size, channels, channels_out=None
    ):
        # One trace of the Keras call, shared by the three signatures.
        call = tf.function(
            lambda x: generator(x, training=False),
            input_signature=[tf.TensorSpec([None, None, None, channels])],
            autograph=False,
        ).get_concrete_function()
        # The padding and cropping of `keras_gans.inference`, in the graph.
        self.inference = inference.ImageTranslator(generator, stride=stride, call=call)
        self.stride = stride
        self.min_size = min_size
        self.image_size = image_size
        self.channels = channels
        self.channels_out = channels if channels_out is None else channels_out

    def least_size(self):
        return 1 if self.image_size else self.min_size

    def check_images(self, images, signature, dtype_name):
        """Asserts rank 4, the generator's channels and a usable size; returns
        `(valid, nonempty, height, width)`."""
        shape = tf.shape(images)
        rank_ok = tf.equal(tf.size(shape), 4)
        # First four dims without a slice that fails on a lower rank.
        dims = tf.concat([shape, tf.zeros([4], tf.int32)], axis=0)[:4]
        channels_ok = tf.logical_and(rank_ok, tf.equal(dims[3], self.channels))
        size_ok = tf.logical_and(
            channels_ok, tf.minimum(dims[1], dims[2]) >= self.least_size()
        )
        # One message per broken rule: each assert judges only inputs that
        # passed the rules before it.
        _assert(
            rank_ok,
            f"{signature} expects a batch of {dtype_name} NHWC images (rank 4, "
            f"shape [batch, height, width, {self.channels}]); got shape",
            shape,
        )
        _assert(
            tf.logical_or(tf.logical_not(rank_ok), channels_ok),
            f"{signature} expects images with {self.channels} channels (last "
            "axis, NHWC); got shape",
            shape,
        )
        _assert(
            tf.logical_or(tf.logical_not(channels_ok), size_ok),
            f"{signature} expects images of at least {self.least_size()}x"
            f"{self.least_size()} pixels; got shape",
            shape,
        )
        return size_ok, dims[0] > 0, dims[1], dims[2]

    def translate(self, x):
        """float32 NHWC in [-1, 1], any size -> the generator's output, same
        size: resize to `image_size` (if set), reflect-pad to a multiple of
        the stride, run the generator, crop, resize back."""
        x = tf.ensure_shape(x, [None, None, None, self.channels])
        shape = tf.shape(x)
        height, width = shape[1], shape[2]
        if self.image_size:
            x = tf.image.resize(x, self.image_size, antialias=True)
        y = tf.cast(self.inference.translate_tensor(x), tf.float32)
        if self.image_size:
            y = tf.image.resize(y, tf.stack([height, width]))
            y = tf.clip_by_value(y, -1.0, 1.0)
        return tf.ensure_shape(y, [None, None, None, self.channels_out])

    def translate_if(self, ok, x, height, width):
        """`translate(x)` where `ok`, else an empty batch `[0, H, W, C]` (an
        empty input, or a failed check whose assert reports the error)."""
        empty = tf.zeros(tf.stack([0, height, width, self.channels_out]), tf.float32)
        return tf.cond(ok, lambda: self.translate(x), lambda: empty)

    def to_uint8(self, y):
        top = float(imaging.MAX_VALUES["uint8"])
        y = tf.clip_by_value(imaging.from_unit_range(y), 0.0, top)
        return tf.cast(tf.round(y), tf.uint8)

    def translate_encoded_one(self, image_bytes):
        """One encoded image -> one PNG of its translation."""
        known = tf.reduce_any(
            [tf.strings.substr(image_bytes, 0, len(m)) == m for m in _MAGIC]
        )
        _assert(
            known,
            "translate_encoded expects encoded JPEG, PNG, GIF or BMP bytes "
            "(base64 {'b64': ...} in TF Serving's REST API); got bytes starting "
            "with",
            tf.strings.substr(image_bytes, 0, 8),
        )

        def decode_and_translate():
            image = tf.io.decode_image(
                image_bytes, channels=self.channels, expand_animations=False
            )
            image = tf.ensure_shape(image, [None, None, self.channels])
            shape = tf.shape(image)
            size_ok = tf.minimum(shape[0], shape[1]) >= self.least_size()
            _assert(
                size_ok,
                f"translate_encoded expects images of at least "
                f"{self.least_size()}x{self.least_size()} pixels; got height, "
                "width, channels",
                shape,
            )
            x = imaging.to_unit_range(tf.cast(image, tf.float32)[tf.newaxis])
            y = self.translate_if(size_ok, x, shape[0], shape[1])
            return tf.cond(
                size_ok,
                lambda: tf.io.encode_png(self.to_uint8(y)[0]),
                lambda: tf.constant(b""),
            )

        return tf.cond(known, decode_and_translate, lambda: tf.constant(b""))


def _assert(condition, message, value):
    """`tf.debugging.Assert` with a message and the offending value."""
    tf.debugging.Assert(condition, [message, value], summarize=16)


def _add_signatures(archive, translator, channels):
    @tf.function(
        input_signature=[tf.TensorSpec(None, tf.float32, name="images")],
        autograph=False,
    )
    def serving_default(images):
        valid, nonempty, height, width = translator.check_images(
            images, "serving_default", "float32"
        )
        lo, hi = -1.0 - _RANGE_TOLERANCE, 1.0 + _RANGE_TOLERANCE
        # Reductions over a flat view: a reduction over an input of the
        # wrong rank can fail (Grappler infers its axes) before the rank
        # assert reports. NaN fails both comparisons, so it is caught here.
        flat = tf.reshape(images, [-1])
        in_range = tf.reduce_all(tf.logical_and(flat >= lo, flat <= hi))
        _assert(
            tf.logical_or(tf.logical_not(valid), in_range),
            "serving_default expects finite float32 images scaled to [-1, 1] "
            f"(pixel / {imaging.pixel_scale()} - 1; send uint8 pixels to "
            "translate_image); got "
            "values in [min, max]",
            tf.stack([tf.reduce_min(flat), tf.reduce_max(flat)]),
        )
        ok = tf.logical_and(tf.logical_and(valid, nonempty), in_range)
        return {"images": translator.translate_if(ok, images, height, width)}

    @tf.function(
        input_signature=[tf.TensorSpec(None, tf.uint8, name="images")],
        autograph=False,
    )
    def translate_image(images):
        valid, nonempty, height, width = translator.check_images(
            images, "translate_image", "uint8"
        )
        x = imaging.to_unit_range(tf.cast(images, tf.float32))
        y = translator.translate_if(tf.logical_and(valid, nonempty), x, height, width)
        return {"images": translator.to_uint8(y)}

    @tf.function(
        input_signature=[tf.TensorSpec(None, tf.string, name="image_bytes")],
        autograph=False,
    )
    def translate_encoded(image_bytes):
        rank_ok = tf.equal(tf.rank(image_bytes), 1)
        _assert(
            rank_ok,
            "translate_encoded expects a 1-D batch of encoded images (shape "
            "[batch], dtype string); got shape",
            tf.shape(image_bytes),
        )
        batch = tf.cond(
            rank_ok,
            lambda: tf.reshape(image_bytes, [-1]),
            lambda: tf.zeros([0], tf.string),
        )
        encoded = tf.map_fn(
            translator.translate_encoded_one,
            batch,
            fn_output_signature=tf.TensorSpec([], tf.string),
        )
        # The "_bytes" suffix makes TF Serving's REST API answer {"b64": ...}.
        return {"image_bytes": encoded}

    archive.add_endpoint("serving_default", serving_default)
    archive.add_endpoint("translate_image", translate_image)
    if channels in (1, 3, 4) and translator.channels_out <= 4:  # what PNG holds
        archive.add_endpoint("translate_encoded", translate_encoded)


def export_generator(
    model_or_generator,
    path,
    *,
    version=1,
    direction="ab",
    image_size=None,
    stride=None,
    overwrite=False,
    verbose=False,
):
    """Export a generator as a TF Serving SavedModel with three signatures.

    Writes `path/<version>/` (TF Serving's versioned layout: point the
    server's `--model_base_path` at `path`) with the signatures of the module
    docstring, `serving_default` (float32 in [-1, 1]), `translate_image`
    (uint8) and `translate_encoded` (JPEG / PNG / GIF / BMP bytes -> PNG
    bytes; 1, 3 or 4 input and up to 4 output channels), each taking any
    height and width and giving the generator's output channels:
    inside the graph each image is resized to `image_size` (when set),
    reflect-padded to a multiple of the generator's stride, translated,
    cropped and resized back (`keras_gans.inference`). Bad input raises
    `InvalidArgumentError` with a message saying what was expected.

    Args:
        model_or_generator: `keras.Model`. An image-to-image generator, or a
            model with `generator_ab` / `generator_ba` attributes (a
            `keras_gans.CycleGAN`), whose generator `direction` is exported.
        path: str. The model's base directory; the export goes to
            `path/<version>`.
        version: int. The model version (TF Serving serves the highest).
            Defaults to `1`.
        direction: str. `"ab"` or `"ba"`: which generator of a CycleGAN to
            export; ignored for a plain generator. Defaults to `"ab"`.
        image_size: int or (int, int). Run the generator at this fixed size
            (inputs resized to it, outputs resized back), e.g. for a network
            that only works at its training size. Defaults to `None`: the
            generator's fixed input size if it has one, else each image's own
            size.
        stride: int. The multiple that the generator needs heights and widths
            to be. Defaults to `None`: the generator's own
            (`keras_gans.inference.generator_shape`).
        overwrite: bool. Replace an existing `path/<version>`. Defaults to
            `False`.
        verbose: bool. Print the exported variables. Defaults to `False`.

    Returns:
        str: the directory written, `path/<version>`.

    Example:

    ```python
    import tempfile

    import numpy as np
    import tensorflow as tf
    from keras_gans import export, networks

    generator = networks.create("resnet_6blocks", ngf=4, n_blocks=1)
    path = export.export_generator(generator, tempfile.mkdtemp())
    images = tf.constant(np.zeros((1, 21, 30, 3), "uint8"))
    out = tf.saved_model.load(path).signatures["translate_image"](images=images)
    assert out["images"].shape == (1, 21, 30, 3)
    ```
    """
    generator = _select_generator(model_or_generator, direction)
    if keras.backend.backend() != "tensorflow":  # JAX, PyTorch
        options = dict(version=version, image_size=image_size, stride=stride)
        options.update(overwrite=overwrite, verbose=verbose)
        return run_under_tensorflow("export_generator", generator, path, options)
    version = check_int("version", version)
    if stride is not None:
        stride = check_int("stride", stride)
    image_size, channels = _export_image_size(generator, image_size)
    export_dir = _export_dir(path, version, overwrite)
    translator = _make_translator(generator, stride, image_size, channels)
    return _write_archive(generator, translator, export_dir, verbose)


def _make_translator(generator, stride, image_size, channels):
    """The `_Translator` of the SavedModel signatures (stride checked)."""
    stride = _stride(generator, stride)
    return _Translator(
        generator,
        stride=stride,
        min_size=_least_size(generator, stride, image_size, channels),
        image_size=image_size,
        channels=channels,
        channels_out=_image_spec(generator)[3],
    )


def _stride(generator, stride):
    """`stride` checked, or the generator's own when `None`."""
    if stride is None:
        return inference.generator_shape(generator).stride
    stride = check_int("stride", stride)
    return int(stride)


def _write_archive(generator, translator, export_dir, verbose):
    archive = keras.export.ExportArchive()
    archive.track(generator)
    _add_signatures(archive, translator, translator.channels)
    if os.path.exists(export_dir):
        tf.io.gfile.rmtree(export_dir)
    archive.write_out(export_dir, verbose=verbose)
    return export_dir


def _export_image_size(generator, image_size):
    """`(image_size, channels)`: the checked size the generator runs at
    (its own fixed size, if it has one) and its channel count."""
    image_size = _normalize_image_size(image_size)
    height, width, channels, _ = _image_spec(generator)
    if height is not None and width is not None:
        if image_size is not None and image_size != (height, width):
            raise ValueError(
                f"Generator {generator.name!r} takes only {height}x{width} inputs. "
                f"Received: image_size={image_size}"
            )
        image_size = (height, width)
    return image_size, channels


def _export_dir(path, version, overwrite):
    export_dir = os.path.join(os.fspath(path), str(int(version)))
    if os.path.exists(export_dir) and os.listdir(export_dir) and not overwrite:
        raise FileExistsError(
            f"{export_dir} already exists: pass overwrite=True to replace it, "
            "or export under a new `version`."
        )
    return export_dir


def _least_size(generator, stride, image_size, channels):
    """The smallest input side the signatures accept: 1 when the generator
    runs at a fixed `image_size` (checked here), else the generator's own
    minimum size (`keras_gans.networks.shape_of`) rounded up to `stride`."""
    if image_size is None:
        min_size = inference.generator_shape(generator).min_size
        return stride * max(1, -(-min_size // stride))
    top, bottom, left, right = inference.pad_amounts(*image_size, stride)
    size = (image_size[0] + top + bottom, image_size[1] + left + right)
    try:
        generator(np.zeros((1, *size, channels), "float32"), training=False)
    except Exception as e:
        raise ValueError(
            f"Generator {generator.name!r} does not run at image_size={image_size}: {e}"
        ) from e
    return 1


class _PadToMultiple(keras.layers.Layer):
    """Reflect-pad H and W up to a multiple of `stride` (`inference.pad`)."""

    def __init__(self, stride, **kwargs):
        super().__init__(**kwargs)
        self.stride = stride

    def call(self, x):
        return inference.pad(x, self.stride)[0]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], None, None, input_shape[3])


class _CropLike(keras.layers.Layer):
    """Crop a padded output back to the size of the original input."""

    def call(self, inputs):
        y, x = inputs
        y_shape, x_shape = keras.ops.shape(y), keras.ops.shape(x)
        offsets = ((y_shape[1] - x_shape[1]) // 2, (y_shape[2] - x_shape[2]) // 2)
        return inference.crop(y, offsets, x_shape[1], x_shape[2])

    def compute_output_shape(self, input_shapes):
        y_shape, x_shape = input_shapes
        return (x_shape[0], x_shape[1], x_shape[2], y_shape[3])


def _require_onnx():
    try:
        import onnx  # noqa: F401
        import tf2onnx  # noqa: F401
    except ImportError as e:
        raise ImportError(
            f"ONNX export needs tf2onnx and onnx: pip install tf2onnx onnx ({e})"
        ) from e


def export_onnx(
    model_or_generator, path, *, direction="ab", stride=None, opset_version=None
):
    """Export a generator to ONNX (float32 NHWC in [-1, 1] -> same).

    Uses Keras' own `model.export(format="onnx")` (tf2onnx under the
    TensorFlow backend; needs `pip install tf2onnx onnx`, else an
    `ImportError` says so). Like the
    `serving_default` SavedModel signature, the ONNX graph takes any height
    and width: it reflect-pads to a multiple of the generator's stride and
    crops back. It has no input checks: feed float32 `[batch, H, W, C]` in
    [-1, 1].

    Args:
        model_or_generator: `keras.Model`. An image-to-image generator, or a
            model with `generator_ab` / `generator_ba` attributes (a CycleGAN).
        path: str. The `.onnx` file to write.
        direction: str. `"ab"` or `"ba"`: which generator of a CycleGAN to
            export; ignored for a plain generator. Defaults to `"ab"`.
        stride: int. The multiple that heights and widths must be. Defaults to
            `None`: the generator's own (`keras_gans.inference.generator_shape`).
        opset_version: int. The ONNX opset. Defaults to `None` (tf2onnx's
            default).

    Returns:
        str: `path`.

    Example:

    ```python
    import os
    import tempfile

    import keras
    import numpy as np
    import onnxruntime
    import keras_gans

    inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(8, 3, strides=2, padding="same")(inputs)
    x = keras.layers.Conv2DTranspose(3, 3, strides=2, padding="same")(x)
    generator = keras.Model(inputs, x)
    path = os.path.join(tempfile.mkdtemp(), "generator.onnx")
    keras_gans.export.export_onnx(generator, path)
    session = onnxruntime.InferenceSession(path)
    name = session.get_inputs()[0].name
    (y,) = session.run(None, {name: np.zeros((1, 21, 30, 3), "float32")})
    assert y.shape == (1, 21, 30, 3)
    ```
    """
    _require_onnx()
    generator = _select_generator(model_or_generator, direction)
    if keras.backend.backend() != "tensorflow":  # JAX, PyTorch
        kwargs = {"stride": stride, "opset_version": opset_version}
        return run_under_tensorflow("export_onnx", generator, path, kwargs)
    height, width, channels, _ = _image_spec(generator)
    stride = _stride(generator, stride)
    if height is None and stride > 1:
        inputs = keras.Input((None, None, channels), name="images")
        padded = _PadToMultiple(stride)(inputs)
        outputs = _CropLike()([generator(padded), inputs])
        model = keras.Model(inputs, outputs, name=f"{generator.name}_onnx")
    else:
        model = generator
    spec = keras.InputSpec(shape=(None, height, width, channels), dtype="float32")
    path = os.fspath(path)
    with warnings.catch_warnings():
        # Keras' tf2onnx patch probes `np.object`, which warns on numpy 2.
        warnings.filterwarnings("ignore", category=FutureWarning, module="keras")
        model.export(
            path,
            format="onnx",
            input_signature=[spec],
            opset_version=opset_version,
            verbose=False,
        )
    return path


# === TFLite ===


def export_tflite(
    model_or_generator,
    path,
    *,
    image_size=None,
    quantize=None,
    direction="ab",
    stride=None,
):
    """Export a generator to TFLite at a fixed image size.

    The `.tflite` file takes float32 `[batch, height, width, C]` images in
    [-1, 1] at the one `image_size` (TFLite runs fixed shapes; the batch
    defaults to 1, `Interpreter.resize_tensor_input` changes it) and gives
    the generator's output at the same size: inside the graph the image is
    reflect-padded to a multiple of the generator's stride and cropped back
    (`keras_gans.inference`). It holds TFLite builtin ops only (no Flex /
    select-TF ops), so it runs in `tf.lite.Interpreter`, the
    `ai_edge_litert` interpreter and on mobile. No input checks: resize and
    scale in the client. Under JAX or PyTorch, TensorFlow writes it
    (`keras_gans.export_backends`).

    Args:
        model_or_generator: `keras.Model`. An image-to-image generator, or a
            model with `generator_ab` / `generator_ba` attributes (a CycleGAN).
        path: str. The `.tflite` file to write.
        image_size: int or (int, int). The input height and width. Defaults
            to `None`: the generator's fixed input size (an error for a
            fully convolutional generator, which has none).
        quantize: str or None. `"float16"` (weights stored as float16, about
            half the size), `"dynamic_int8"` (dynamic-range quantization:
            int8 weights, int8 kernels where TFLite has them, about a quarter
            of the size) or `None` (float32). Defaults to `None`.
        direction: str. `"ab"` or `"ba"`: which generator of a CycleGAN to
            export; ignored for a plain generator. Defaults to `"ab"`.
        stride: int. The multiple that heights and widths are padded to.
            Defaults to `None`: the generator's own
            (`keras_gans.inference.generator_shape`).

    Returns:
        str: `path`.

    Example:

    ```python
    import os
    import tempfile

    import numpy as np
    import tensorflow as tf
    from keras_gans import export, networks

    generator = networks.create("resnet_6blocks", ngf=4, n_blocks=1)
    path = os.path.join(tempfile.mkdtemp(), "generator.tflite")
    export.export_tflite(generator, path, image_size=(21, 30))
    interpreter = tf.lite.Interpreter(model_path=path)
    interpreter.allocate_tensors()
    (inp,), (out,) = interpreter.get_input_details(), interpreter.get_output_details()
    interpreter.set_tensor(inp["index"], np.zeros((1, 21, 30, 3), "float32"))
    interpreter.invoke()
    assert interpreter.get_tensor(out["index"]).shape == (1, 21, 30, 3)
    ```
    """
    _check_quantize(quantize)
    generator = _select_generator(model_or_generator, direction)
    if keras.backend.backend() != "tensorflow":
        kwargs = dict(image_size=image_size, quantize=quantize, stride=stride)
        return run_under_tensorflow("export_tflite", generator, path, kwargs)
    size, channels = _tflite_size(generator, image_size)
    translator = inference.ImageTranslator(generator, stride=_stride(generator, stride))
    translator.check_size(*size)
    spec = tf.TensorSpec([None, *size, channels], name="images")
    flatbuffer = _tflite_flatbuffer(translator, spec, quantize)
    path = os.fspath(path)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "wb") as f:
        f.write(flatbuffer)
    return path


def _check_quantize(quantize):
    if quantize is not None and quantize not in QUANTIZATIONS:
        raise ValueError(
            '`quantize` must be None, "float16" or "dynamic_int8". Received: '
            f"quantize={quantize!r}"
        )


def _tflite_size(generator, image_size):
    """`(image_size, channels)` for TFLite: the checked size, which must be
    given for a generator that takes any size."""
    size, channels = _export_image_size(generator, image_size)
    if size is None:
        raise ValueError(
            f"TFLite runs at a fixed input size: pass image_size=(height, width) "
            f"for generator {generator.name!r}, which takes any size."
        )
    return size, channels


def _tflite_flatbuffer(translator, spec, quantize):
    """The TFLite bytes of `translator.translate_tensor` at `spec`: through a
    SavedModel (which freezes the Keras variables), builtin ops only."""
    with tempfile.TemporaryDirectory() as saved_model:
        archive = keras.export.ExportArchive()
        archive.track(translator.generator)
        archive.add_endpoint(
            "serving_default",
            lambda images: {"images": translator.translate_tensor(images)},
            input_signature=[spec],
        )
        archive.write_out(saved_model, verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(saved_model)
        return _configure(converter, quantize).convert()


def _configure(converter, quantize):
    """`converter` set to builtin ops only, quantized as asked."""
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if quantize is not None:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantize == "float16":
        converter.target_spec.supported_types = [tf.float16]
    return converter
