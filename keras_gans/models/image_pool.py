"""The CycleGAN image pool: a buffer of past fakes for the discriminators."""

import keras
from keras import ops

from keras_gans._checks import check_int
from keras_gans.distribute import replica_rows
from keras_gans.models.saving import load_variables_and_seeds, save_variables_and_seeds


@keras.saving.register_keras_serializable(package="keras_gans")
class ImagePool(keras.layers.Layer):
    """A history of generated images, so discriminators also see older fakes.

    Paper semantics (Shrivastava et al.; CycleGAN Sec. 4), per image of the
    batch, in order:

    - while fewer than `pool_size` images are stored: store the new image
      and return it;
    - once full: with probability 0.5 return a uniformly chosen stored image
      and store the new image in its place; otherwise return the new image.

    The state is two variables, `images` `(pool_size, H, W, C)` and `count`
    (int32), created in `build` from the image shape, and a
    `keras.random.SeedGenerator`, so the pool works inside a traced train
    step and is saved with the model that owns it. `pool_size=0` disables
    the pool: `call` returns its input and there is no state.

    Calling the pool updates it; use it only in the training step (the
    returned images should not carry gradients: pass
    `ops.stop_gradient(fakes)`).

    Args:
        pool_size: int. Number of stored images; `0` for no pool. Defaults to
            `50`.
        seed: int or None. Seed of the pool's random draws. Defaults to
            `None`.
        **kwargs: base `keras.layers.Layer` arguments (`name`, ...).

    Example:

    ```python
    import numpy as np
    from keras_gans.models import ImagePool

    pool = ImagePool(pool_size=4, seed=0)
    out = pool(np.zeros((2, 8, 8, 3), "float32"))  # not full: returns input
    int(pool.count.numpy())  # 2
    ```

    Reference:
        Shrivastava et al., "Learning from Simulated and Unsupervised Images
        through Adversarial Training", CVPR 2017
        (https://arxiv.org/abs/1612.07828); Zhu et al., CycleGAN, ICCV 2017
        (https://arxiv.org/abs/1703.10593).
    """

    def __init__(self, pool_size=50, seed=None, **kwargs):
        super().__init__(**kwargs)
        check_int("pool_size", pool_size, minimum=0)
        self.pool_size = pool_size
        self.seed = seed
        self.seed_generator = (
            keras.random.SeedGenerator(seed, name="seed_generator")
            if pool_size > 0
            else None
        )
        self.images = None
        self.count = None

    def build(self, input_shape):
        if self.pool_size == 0:
            return
        image_shape = tuple(input_shape)[1:]
        if len(image_shape) != 3 or any(d is None for d in image_shape):
            raise ValueError(
                "ImagePool needs a static image shape (height, width, "
                "channels) to create its buffer: crop or resize the images to "
                "a fixed size. Received: "
                f"input_shape={tuple(input_shape)!r}"
            )
        self.images = self.add_weight(
            shape=(self.pool_size, *image_shape),
            initializer="zeros",
            trainable=False,
            name="images",
        )
        self.count = self.add_weight(
            shape=(),
            initializer="zeros",
            dtype="int32",
            trainable=False,
            name="count",
        )

    def call(self, images):
        if self.pool_size == 0:
            return images
        images = ops.cast(images, self.images.dtype)
        batch = ops.shape(images)[0]
        # Draw all randomness up front: one coin and one slot per image.
        # Under tf.distribute the pool is per replica (its variables are
        # mirrored with aggregation "none": each replica updates its own
        # copy) and each replica takes its rows of the global batch's draws.
        coins = replica_rows(
            lambda n: keras.random.uniform((n,), seed=self.seed_generator), batch
        )
        slots = replica_rows(
            lambda n: keras.random.randint(
                (n,), 0, self.pool_size, seed=self.seed_generator, dtype="int32"
            ),
            batch,
        )

        def body(i, state):
            buffer, count, outputs = state
            image = images[i]
            not_full = count < self.pool_size
            swap = ops.logical_and(ops.logical_not(not_full), coins[i] > 0.5)
            slot = ops.where(not_full, count, slots[i])
            stored = buffer[slot]
            # Returned: a stored image on a swap, else the new image.
            output = ops.where(swap, stored, image)
            # Stored in the slot: the new image when inserting or swapping.
            new_entry = ops.where(ops.logical_or(not_full, swap), image, stored)
            # Masked writes (plain element-wise ops, no scatter): row `slot` of
            # the buffer and row `i` of the outputs.
            at_slot = ops.reshape(ops.arange(self.pool_size) == slot, (-1, 1, 1, 1))
            buffer = ops.where(at_slot, new_entry[None], buffer)
            at_i = ops.reshape(ops.arange(batch) == i, (-1, 1, 1, 1))
            outputs = ops.where(at_i, output[None], outputs)
            return buffer, count + ops.cast(not_full, "int32"), outputs

        buffer, count, outputs = ops.fori_loop(
            0,
            batch,
            body,
            (self.images.value, self.count.value, ops.zeros_like(images)),
        )
        self.images.assign(buffer)
        self.count.assign(count)
        return outputs

    def save_own_variables(self, store):
        # The seed generator's state too: a reloaded pool continues its draws.
        save_variables_and_seeds(self, store)

    def load_own_variables(self, store):
        load_variables_and_seeds(self, store)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "seed": self.seed}
