"""Winograd gradients: the backward pass of a 3x3 conv in 4x fewer multiplies.

`winograd_conv_gradients` computes the gradients of a 3x3 stride-1 "valid"
convolution with the minimal filtering algorithm F(4x4, 3x3) of Lavin & Gray.
Each 4x4 tile of the output comes from a 6x6 tile of the input; in the
transformed ("tile") domain the convolution is 36 independent matrix
products over all tiles, with `36` multiply-adds per tile and channel pair
instead of `9 * 16 = 144`. Both gradients stay in that domain:

- `dV = dM U^T` and `dU = V^T dM`: 36 matrix products each, with `V` the
  transformed input tiles, `U` the transformed kernel and `dM` the
  transformed output gradient;
- the transforms to and from the tile domain are products with small
  constant matrices, done as one matrix product each.

`conv_with_winograd_gradients` is a conv whose forward pass is the backend's
(`ops.conv`, unchanged) and whose backward pass is this one. For the ResNet
generator's 3x3 256 -> 256 convs at 64x64, the backward pass takes less than half
the time of TensorFlow's two gradient kernels on a 2-core CPU
(docs/benchmarks.md); for narrow or small convs the transforms cost more than
they save, and `FastConv2D` keeps its other gradients there
(`keras_gans.config.set_winograd`).

The gradients equal autodiff's up to float32 rounding: the transforms add a
relative error of about 1e-5 (cuDNN's Winograd kernels, which TensorFlow and
PyTorch pick on GPUs, have the same). The code is `keras.ops` only, made of
differentiable ops (second-order gradients work).

Reference:
- [Lavin & Gray, 2016. Fast Algorithms for Convolutional Neural
  Networks](https://arxiv.org/abs/1509.09308)
"""

import keras
import numpy as np
from keras import ops

from keras_gans.layers.conv_backprop.custom_gradient import custom_gradient_conv

# F(4x4, 3x3): output tile M x M, input tile A x A.
M = 4
A = M + 2
# Input transform B^T, filter transform G, output transform A^T (Lavin &
# Gray, section 4.2): Y = A^T [(G g G^T) * (B^T d B)] A for a 6x6 input tile
# d and a 3x3 kernel g.
_BT = np.array(
    [
        [4, 0, -5, 0, 1, 0],
        [0, -4, -4, 1, 1, 0],
        [0, 4, -4, -1, 1, 0],
        [0, -2, -1, 2, 1, 0],
        [0, 2, -1, -2, 1, 0],
        [0, 4, 0, -5, 0, 1],
    ],
    "float64",
)
_G = np.array(
    [
        [1 / 4, 0, 0],
        [-1 / 6, -1 / 6, -1 / 6],
        [-1 / 6, 1 / 6, -1 / 6],
        [1 / 24, 1 / 12, 1 / 6],
        [1 / 24, -1 / 12, 1 / 6],
        [0, 0, 1],
    ]
)
_AT = np.array(
    [
        [1, 1, 1, 1, 1, 0],
        [0, 1, -1, 2, -2, 0],
        [0, 1, 1, 4, 4, 0],
        [0, 1, -1, 8, -8, 1],
    ],
    "float64",
)


def _input_transform_matrix():
    """`(36, 64)`: the tile transform `B^T d B`, read from 2x2 shifted blocks.

    The input is cut into M x M blocks; a 6x6 tile at block `(a, b)` is the
    blocks `(a, b)`, `(a, b + 1)`, `(a + 1, b)`, `(a + 1, b + 1)` cropped.
    Column `(da, db, r, s)` is the pixel `(r, s)` of the block `(a + da,
    b + db)`, row `(i, j)` the transformed value: `BT[i, M da + r] *
    BT[j, M db + s]`, zero past the tile.
    """
    k = np.zeros((A, A, 2, 2, M, M))
    for da in range(2):
        for db in range(2):
            for r in range(M):
                for s in range(M):
                    rr, ss = M * da + r, M * db + s
                    if rr < A and ss < A:
                        k[:, :, da, db, r, s] = np.outer(_BT[:, rr], _BT[:, ss])
    return k.reshape(A * A, 4 * M * M)


_INPUT_TRANSFORM = _input_transform_matrix()  # (36, 64)
_OUTPUT_TRANSFORM = np.kron(_AT, _AT)  # (16, 36): A^T m A, flattened
_KERNEL_TRANSFORM = np.kron(_G, _G)  # (36, 9): G g G^T, flattened


def conv_with_winograd_gradients(inputs, kernel, name=None):
    """A 3x3 stride-1 "valid" conv: `ops.conv` forward, Winograd backward.

    The forward pass is the backend's convolution; the backward pass is
    `winograd_conv_gradients` (F(4x4, 3x3)), any height and width.

    Args:
        inputs: float tensor `(batch, height, width, in_channels)`, with
            static height, width and channels, at least 3x3.
        kernel: tensor `(3, 3, in_channels, filters)`.
        name: str or None. The backward pass's ops are named
            `{name}_grad/...`. Defaults to `None`.

    Returns:
        The "valid" convolution, `(batch, height - 2, width - 2, filters)`.

    Example:
    ```python
    import numpy as np
    from keras_gans.layers.conv_backprop import conv_with_winograd_gradients

    x = np.random.rand(1, 10, 10, 8).astype("float32")
    w = np.random.rand(3, 3, 8, 16).astype("float32")
    y = conv_with_winograd_gradients(x, w)  # differentiated by any backend
    print(tuple(y.shape))  # (1, 8, 8, 16)
    ```
    """
    _check_shapes(inputs, kernel)
    return custom_gradient_conv(inputs, kernel, winograd_conv_gradients, name=name)


def winograd_conv_gradients(inputs, kernel, d_outputs):
    """The gradients of a 3x3 stride-1 "valid" conv, by Winograd F(4x4, 3x3).

    `d_inputs` and `d_kernel` of `ops.conv(inputs, kernel, padding="valid")`
    for the upstream gradient `d_outputs`, up to float32 rounding. Tiles past
    the bottom and right edges are zero-padded.

    Args:
        inputs: tensor `(batch, height, width, in_channels)`, with static
            height, width and channels.
        kernel: tensor `(3, 3, in_channels, filters)`.
        d_outputs: tensor `(batch, height - 2, width - 2, filters)`.

    Returns:
        `(d_inputs, d_kernel)`, of the shapes of `inputs` and `kernel`.

    Example:
    ```python
    import numpy as np
    from keras_gans.layers.conv_backprop import winograd_conv_gradients

    x = np.random.rand(2, 9, 9, 4).astype("float32")
    w = np.random.rand(3, 3, 4, 8).astype("float32")
    dy = np.ones((2, 7, 7, 8), "float32")
    d_x, d_w = winograd_conv_gradients(x, w, dy)
    print(d_x.shape, d_w.shape)  # (2, 9, 9, 4) (3, 3, 4, 8)
    ```
    """
    _check_shapes(inputs, kernel)
    inputs = ops.convert_to_tensor(inputs)
    kernel = ops.convert_to_tensor(kernel)
    d_outputs = ops.convert_to_tensor(d_outputs, dtype=inputs.dtype)
    _, height, width, _ = inputs.shape
    tiles = (-(-(height - 2) // M), -(-(width - 2) // M))
    # Nothing is transformed before the output gradient exists (`_after`).
    inputs, kernel = _after(d_outputs, inputs, kernel)
    v = _input_tiles(inputs, tiles)
    dm = _output_gradient_tiles(d_outputs, tiles)
    d_kernel = _kernel_gradient(v, dm)
    d_inputs = _input_gradient(dm, kernel, tiles)
    return d_inputs[:, :height, :width, :], d_kernel


def _constant(matrix, like):
    return ops.convert_to_tensor(matrix, dtype=like.dtype)


def _input_tiles(inputs, tiles):
    """V = B^T d B per tile: `(36, batch * tiles, channels)`."""
    channels = inputs.shape[3]
    v = ops.matmul(_constant(_INPUT_TRANSFORM, inputs), _shifted_blocks(inputs, *tiles))
    return ops.reshape(v, (A * A, -1, channels))


def _output_gradient_tiles(d_outputs, tiles):
    """dM = A dY A^T per tile: `(36, batch * tiles, filters)`."""
    _, out_h, out_w, filters = d_outputs.shape
    tiles_h, tiles_w = tiles
    dy = ops.pad(
        d_outputs,
        [[0, 0], [0, tiles_h * M - out_h], [0, tiles_w * M - out_w], [0, 0]],
    )
    dy = ops.reshape(dy, (-1, tiles_h, M, tiles_w, M, filters))
    dy = ops.reshape(ops.transpose(dy, (2, 4, 0, 1, 3, 5)), (M * M, -1))
    dm = ops.matmul(_constant(_OUTPUT_TRANSFORM.T, d_outputs), dy)
    return ops.reshape(dm, (A * A, -1, filters))


def _kernel_gradient(v, dm):
    """dU = V^T dM, back to 3x3 as G^T dU G: `(3, 3, channels, filters)`.

    (Each transform of the kernel is one product with a constant (36, 9)
    matrix: 2.5x to 3x faster than `einsum` with G on both sides.)
    """
    channels, filters = v.shape[-1], dm.shape[-1]
    du = ops.einsum("ptc,ptk->pck", v, dm)
    d_kernel = ops.matmul(
        _constant(_KERNEL_TRANSFORM.T, v), ops.reshape(du, (A * A, -1))
    )
    return ops.reshape(d_kernel, (3, 3, channels, filters))


def _input_gradient(dm, kernel, tiles):
    """dV = dM U^T, back to the image as B dV B^T per tile, overlaps summed.

    Returns `(batch, (tiles_h + 1) * M, (tiles_w + 1) * M, channels)`, to be
    cropped to the input's size.
    """
    _, _, channels, filters = kernel.shape
    tiles_h, tiles_w = tiles
    u_t = ops.matmul(
        _constant(_KERNEL_TRANSFORM, dm),
        ops.reshape(ops.transpose(kernel, (0, 1, 3, 2)), (9, -1)),
    )
    dv = ops.matmul(dm, ops.reshape(u_t, (A * A, filters, channels)))
    blocks = ops.matmul(_constant(_INPUT_TRANSFORM.T, dm), ops.reshape(dv, (A * A, -1)))
    blocks = ops.reshape(blocks, (2, 2, M, M, -1, tiles_h, tiles_w, channels))
    d_blocks = None
    for da in range(2):
        for db in range(2):
            part = ops.pad(
                blocks[da, db],
                [[0, 0], [0, 0], [0, 0], [da, 1 - da], [db, 1 - db], [0, 0]],
            )
            d_blocks = part if d_blocks is None else d_blocks + part
    return ops.reshape(
        ops.transpose(d_blocks, (2, 3, 0, 4, 1, 5)),
        (-1, (tiles_h + 1) * M, (tiles_w + 1) * M, channels),
    )


def _after(y, *xs):
    """The tensors `xs`, read only once `y` is computed (no copies).

    Ops that read only a conv's input and kernel are ready as soon as the
    backward pass starts: TensorFlow's executor then transforms the inputs
    and kernels of every conv of the network first and holds them all until
    their output gradients arrive (9.4 MiB per 256 -> 256 kernel; holding
    all kernel transforms raised a 128x128 CycleGAN step's peak RSS by 0.4
    GiB). A full slice of each `x` whose zero offset is computed from `y`
    waits for `y`; a full slice is not copied.
    """
    if keras.backend.backend() != "tensorflow":
        return xs  # only TensorFlow's executor runs ops as soon as they are ready
    # `y > inf` is False for every value, NaN included: an offset of 0.
    offset = ops.cast(ops.greater(ops.reshape(y, (-1,))[0], float("inf")), "int32")
    return tuple(
        ops.slice(x, [offset] + [0] * (len(x.shape) - 1), [-1, *x.shape[1:]])
        for x in xs
    )


def _shifted_blocks(x, tiles_h, tiles_w):
    """`(64, batch * tiles * channels)`: the four 2x2-shifted block grids.

    `x` is zero-padded to `(tiles + 1) * M` pixels and cut into M x M blocks;
    row `(da, db, r, s)` holds pixel `(r, s)` of the block `(a + da, b + db)`
    for every tile `(a, b)`, as `_INPUT_TRANSFORM` reads them.
    """
    _, height, width, channels = x.shape
    x = ops.pad(
        x,
        [
            [0, 0],
            [0, M * (tiles_h + 1) - height],
            [0, M * (tiles_w + 1) - width],
            [0, 0],
        ],
    )
    x = ops.reshape(x, (-1, tiles_h + 1, M, tiles_w + 1, M, channels))
    x = ops.transpose(x, (2, 4, 0, 1, 3, 5))  # (M, M, n, blocks_h, blocks_w, c)
    shifted = [
        x[:, :, :, da : da + tiles_h, db : db + tiles_w]
        for da in range(2)
        for db in range(2)
    ]
    return ops.reshape(ops.stack(shifted), (4 * M * M, -1))


def _check_shapes(inputs, kernel):
    kernel_shape = tuple(kernel.shape)
    if len(kernel_shape) != 4 or kernel_shape[:2] != (3, 3):
        raise ValueError(
            "Winograd gradients take a 3x3 kernel `(3, 3, in_channels, filters)`. "
            f"Received: kernel.shape={kernel_shape}"
        )
    shape = tuple(inputs.shape)
    if len(shape) != 4 or shape[3] != kernel_shape[2]:
        raise ValueError(
            "Winograd gradients take inputs `(batch, height, width, in_channels)` "
            f"with the kernel's {kernel_shape[2]} input channels. "
            f"Received: inputs.shape={shape}"
        )
    if any(d is None for d in shape[1:]) or min(shape[1:3]) < 3:
        raise ValueError(
            "Winograd gradients need a static height and width of at least 3 "
            f"pixels. Received: inputs.shape={shape}"
        )
