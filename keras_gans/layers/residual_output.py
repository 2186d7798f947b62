"""The output of a generator that starts as the identity: `clip(x + delta)`."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gans")
class ResidualOutput(keras.layers.Layer):
    """A generator's image output as its input plus a learned change.

    `ResidualOutput()([image, delta])` returns `clip(image + delta, -1, 1)`,
    in float32 (also under mixed precision). A generator whose last conv,
    the one that computes `delta`, starts at zero weights is then exactly
    the identity map at initialisation: it starts from "change nothing" and
    learns only the difference between the domains, instead of first
    learning to reproduce its input through a tanh. The network builders
    use it for `output_mode="residual"` (e.g.
    `keras_gans.networks.create("resnet_6blocks", output_mode="residual")`).

    Inside [-1, 1] the gradient with respect to `delta` is 1 (a tanh head's
    is `1 - y**2`, small for the saturated white and black pixels that
    images are full of); outside, the clip passes no gradient.

    Args:
        **kwargs: Base layer arguments (`name`, `dtype`).

    Example:
    ```python
    import numpy as np
    from keras_gans.layers import ResidualOutput

    image = np.array([[[[0.5, -0.9, 1.0]]]], "float32")
    delta = np.array([[[[0.25, -0.5, 0.0]]]], "float32")
    y = ResidualOutput()([image, delta])
    print(np.asarray(y).ravel().tolist())  # [0.75, -1.0, 1.0]
    ```
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)

    def call(self, inputs):
        if not isinstance(inputs, list | tuple) or len(inputs) != 2:
            raise ValueError(
                "ResidualOutput expects a pair [image, delta]. "
                f"Received: {type(inputs).__name__} of length "
                f"{len(inputs) if isinstance(inputs, list | tuple) else 1}"
            )
        image, delta = inputs
        y = ops.cast(image, "float32") + ops.cast(delta, "float32")
        return ops.clip(y, -1.0, 1.0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[1])
