"""keras_gans: a Keras 3 GAN model zoo.

Layers, named networks, `CycleGAN` / `DCGAN` models trained with `model.fit`,
data pipelines, callbacks, a `keras-gans` command and export for TF Serving.
"""

# The `keras-gans` command hides TensorFlow's C++ log lines unless --verbose:
# the filter must be in place before anything below imports TensorFlow.
from keras_gans import _entry

_entry.quiet_command()

from keras_gans import (  # noqa: E402
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
from keras_gans.models import DCGAN, CycleGAN, Pix2Pix  # noqa: E402
from keras_gans.version import __version__  # noqa: E402

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
