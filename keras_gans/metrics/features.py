"""InceptionV3 pool features, the feature space of FID and KID."""

import os

import keras
import numpy as np

from keras_gans._checks import check_int
from keras_gans.imaging import from_uint8
from keras_gans.metrics._utils import to_numpy

#: Keras' own download of the ImageNet InceptionV3 weights without the top.
WEIGHTS_FILENAME = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
WEIGHTS_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/"
    "inception_v3/" + WEIGHTS_FILENAME
)
WEIGHTS_HASH = "bcbd6486424b2319ff4ef7d526e38f63"

FEATURE_DIM = 2048


def _validate_weights(weights):
    if weights is None or weights == "imagenet":
        return weights
    if isinstance(weights, os.PathLike):
        weights = os.fspath(weights)
    if not isinstance(weights, str):
        raise ValueError(
            "`weights` must be 'imagenet', None or the path to a local "
            f"`.h5` / `.weights.h5` file. Received: weights={weights!r}"
        )
    if not weights.endswith(".h5"):
        raise ValueError(
            "`weights` must be 'imagenet', None or the path to a local "
            f"`.h5` / `.weights.h5` file. Received: weights={weights!r}"
        )
    if not os.path.isfile(weights):
        raise FileNotFoundError(
            f"InceptionV3 weights file not found. Received: weights={weights!r}"
        )
    return weights


def _download_imagenet_weights():
    try:
        return keras.utils.get_file(
            WEIGHTS_FILENAME,
            WEIGHTS_URL,
            cache_subdir="models",
            file_hash=WEIGHTS_HASH,
        )
    except Exception as e:
        raise RuntimeError(
            "Could not get the ImageNet InceptionV3 weights for FID/KID "
            f"(`weights='imagenet'` downloads {WEIGHTS_URL}): {e}\n"
            "Without network access, either:\n"
            "  - pass `weights=` the path to a local copy of that file "
            f"(`{WEIGHTS_FILENAME}`, or any `.weights.h5` saved from "
            "`keras.applications.InceptionV3(include_top=False, pooling='avg')`),"
            " e.g. `InceptionFeatures(weights='/path/to/" + WEIGHTS_FILENAME + "')`"
            ", or\n"
            "  - copy that file into Keras' cache, `~/.keras/models/"
            f"{WEIGHTS_FILENAME}`, and keep `weights='imagenet'`, or\n"
            "  - pass your own `feature_extractor=` (a callable images -> "
            "(N, D) features) to the metric instead of InceptionV3."
        ) from e


@keras.saving.register_keras_serializable(package="keras_gans")
class InceptionFeatures:
    """InceptionV3 average-pool features (2048-d) of images, for FID and KID.

    The network is `keras.applications.InceptionV3(include_top=False,
    pooling="avg")`; images are resized to `image_size` x `image_size`
    (bilinear, no antialiasing) before it. It is built lazily, on the first
    call (or `build()`), so creating an `InceptionFeatures` is cheap, and it is
    always built in float32 whatever the global dtype policy.

    Inputs are batches (N, H, W, C) with C = 1 (repeated to 3) or 3, either
    float in [-1, 1] (the library's image convention, which is also the input
    range InceptionV3 expects) or uint8 in [0, 255] (converted). Float values
    outside [-1, 1] raise an error, since they usually mean [0, 255] floats.

    The ImageNet weights are Keras' own, not the TF-slim 2015 graph that
    published FID numbers use (pytorch-fid, TTUR), so the values are for
    comparing runs with each other, not with papers.

    Args:
        weights: `"imagenet"`, `None` or str. `"imagenet"` downloads Keras'
            ImageNet weights (cached in `~/.keras/models`); a path loads a
            local `.h5` (Keras' download) or `.weights.h5` file (from
            `save_weights` of the same network), so it works offline; `None`
            keeps random weights (tests only). Defaults to `"imagenet"`.
        image_size: int. The square size images are resized to, at least 75.
            Defaults to `299`, the size FID is defined with.
        batch_size: int. How many images go through the network at once.
            Defaults to `32`.

    Example:
    ```python
    from keras_gans.metrics import FrechetInceptionDistance, InceptionFeatures

    extractor = InceptionFeatures()  # cheap: nothing downloaded or built yet
    print(extractor)  # InceptionFeatures(weights='imagenet', image_size=299, ...)
    metric = FrechetInceptionDistance(feature_extractor=extractor)
    # The first call downloads the weights (once), builds the network and
    # returns (N, 2048) float32 features:
    #     features = extractor(uint8_or_float_images)  # (N, H, W, 3)
    # Offline, load a local copy of Keras' weights file instead:
    #     InceptionFeatures(weights="path/to/inception_v3_..._notop.h5")
    ```

    Reference:
    - [Szegedy et al., 2016. Rethinking the Inception Architecture for
      Computer Vision](https://arxiv.org/abs/1512.00567)
    """

    def __init__(self, weights="imagenet", *, image_size=299, batch_size=32):
        self.weights = _validate_weights(weights)
        self.image_size = check_int("image_size", image_size, minimum=75)
        self.batch_size = check_int("batch_size", batch_size)
        self._model = None

    @property
    def model(self):
        """The underlying keras model (images in [-1, 1] -> (N, 2048))."""
        if self._model is None:
            self.build()
        return self._model

    def build(self):
        """Load the weights (downloading them if needed) and build the network."""
        if self._model is not None:
            return
        # Get the weights first: no network build when the download fails.
        path = self.weights
        if path == "imagenet":
            path = _download_imagenet_weights()
        size = self.image_size
        previous_policy = keras.config.dtype_policy()
        keras.config.set_dtype_policy("float32")
        try:
            inception = keras.applications.InceptionV3(
                include_top=False,
                weights=None,
                input_shape=(size, size, 3),
                pooling="avg",
            )
            if path is not None:
                inception.load_weights(path)
            inception.trainable = False
            inputs = keras.Input((None, None, 3), name="images")
            x = keras.layers.Resizing(size, size, interpolation="bilinear")(inputs)
            outputs = inception(x, training=False)
            self._model = keras.Model(inputs, outputs, name="inception_features")
        finally:
            keras.config.set_dtype_policy(previous_policy)

    def _preprocess(self, images):
        images = to_numpy(images)
        if images.ndim != 4 or images.shape[-1] not in (1, 3):
            raise ValueError(
                "`InceptionFeatures` expects a batch of images (N, H, W, C) with "
                f"C = 1 or 3. Received: images with shape {images.shape}"
            )
        if images.dtype == np.uint8:
            images = from_uint8(images)
        elif np.issubdtype(images.dtype, np.floating):
            images = images.astype("float32", copy=False)
            if images.size:
                low, high = float(images.min()), float(images.max())
                if low < -1.001 or high > 1.001:
                    raise ValueError(
                        "`InceptionFeatures` expects float images in [-1, 1] (or "
                        "uint8 in [0, 255]). Received values in "
                        f"[{low:.4g}, {high:.4g}]"
                    )
        else:
            raise ValueError(
                "`InceptionFeatures` expects float images in [-1, 1] or uint8 "
                f"images. Received: images of dtype {images.dtype}"
            )
        if images.shape[-1] == 1:
            images = np.repeat(images, 3, axis=-1)
        return images

    def __call__(self, images):
        """Features of a batch of images: a float32 numpy array (N, 2048)."""
        images = self._preprocess(images)
        if images.shape[0] == 0:
            return np.zeros((0, FEATURE_DIM), "float32")
        model = self.model
        outputs = [
            to_numpy(model.predict_on_batch(images[i : i + self.batch_size]))
            for i in range(0, images.shape[0], self.batch_size)
        ]
        return np.concatenate(outputs, axis=0).astype("float32", copy=False)

    def get_config(self):
        return {
            "weights": self.weights,
            "image_size": self.image_size,
            "batch_size": self.batch_size,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return (
            f"InceptionFeatures(weights={self.weights!r}, "
            f"image_size={self.image_size}, batch_size={self.batch_size})"
        )


def resolve_feature_extractor(feature_extractor):
    """`None` or `"inception"` -> `InceptionFeatures()`; a callable as is."""
    if feature_extractor is None or (
        isinstance(feature_extractor, str) and feature_extractor == "inception"
    ):
        return InceptionFeatures()
    if not callable(feature_extractor):
        raise TypeError(
            "`feature_extractor` must be None, 'inception' or a callable mapping "
            "a batch of images to (N, D) features. "
            f"Received: feature_extractor={feature_extractor!r}"
        )
    return feature_extractor
