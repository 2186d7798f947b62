"""keras_gans: a Keras 3 GAN model zoo.

Layers, named networks, `CycleGAN` / `DCGAN` models trained with `model.fit`,
data pipelines, callbacks, a `keras-gans` command and export for TF Serving.
"""

from keras_gans import (
    augment,
    callbacks,
    config,
    data,
    datasets,
    distribute,
    export,
    imaging,
    inference,
    layers,
    losses,
    metrics,
    networks,
    optimizers,
    presets,
    runs,
    training,
    utils,
)
from keras_gans.models import DCGAN, CycleGAN, Pix2Pix
from keras_gans.version import __version__

__all__ = [
    "CycleGAN",
    "DCGAN",
    "Pix2Pix",
    "__version__",
    "augment",
    "callbacks",
    "config",
    "data",
    "datasets",
    "distribute",
    "export",
    "imaging",
    "inference",
    "layers",
    "losses",
    "metrics",
    "networks",
    "optimizers",
    "presets",
    "runs",
    "training",
    "utils",
]
