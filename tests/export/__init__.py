"""Helpers for the export tests (generator: `tests.tiny.tiny_resnet_generator`)."""

from keras import ops


def reference_translate(generator, images, stride=4):
    """What the export should compute, in numpy + Keras: reflect-pad H and W
    to a multiple of `stride` (split top/bottom, left/right), run the
    generator, crop back."""
    import numpy as np

    _, h, w, _ = images.shape
    ph, pw = -h % stride, -w % stride
    top, left = ph // 2, pw // 2
    padded = np.pad(
        images, [[0, 0], [top, ph - top], [left, pw - left], [0, 0]], mode="reflect"
    )
    out = ops.convert_to_numpy(generator(padded, training=False))
    return out[:, top : top + h, left : left + w]


def to_uint8(y):
    import numpy as np

    return np.clip(np.round((y + 1.0) * 127.5), 0, 255).astype("uint8")
