"""A font judge for the `glyph_font` task of benchmarks/quality.py.

The pixel ratio of `glyph_font` is strict: the two fonts differ in a few
pixels per glyph (returning the input is only 0.030 off), so a generator
that draws serifs a pixel away from the true ones scores worse than one
that draws none. The judge answers the other question, "does `G(x)` look
like the Serif font?", the way the CycleGAN and pix2pix papers score
translations with a classifier trained on real data: a small CNN trained
on exact Sans / Serif pairs (`datasets.glyph_pairs`, the train split's
jitter, which neither the CycleGAN's training images nor the held-out
inputs use) tells the fonts apart, and `serif_rate` is the fraction of
translations it calls Serif (returning the input scores about 0, the true
glyphs about 1; `judge_accuracy` says how well it separates the held-out
truth).

Example:
```python
from glyph_judge import font_scores  # run from benchmarks/
from keras_gans import datasets

x, y, _ = datasets.glyph_pairs(32, split="test")
print(font_scores(x, y, y, x))  # the perfect translation: serif_rate 1.0
```
"""

import functools

#: The judge's training: pairs per character, batch, epochs, seed.
JUDGE_SAMPLES = 24
JUDGE_BATCH = 32
JUDGE_EPOCHS = 20
JUDGE_SEED = 1234


@functools.lru_cache(maxsize=4)
def judge(image_size):
    """The Sans (logit < 0) / Serif (logit > 0) classifier for one image side.

    Trained once per process and side with fixed seeds (its initializers and
    batches are seeded on their own, so training it leaves the global random
    state of a benchmark run alone).
    """
    import keras
    import numpy as np

    from keras_gans import datasets

    a, b, _ = datasets.glyph_pairs(
        image_size,
        split="train",
        samples_per_char=JUDGE_SAMPLES,
        seed=JUDGE_SEED,
    )
    images = np.concatenate([a, b])
    labels = np.concatenate([np.zeros(len(a)), np.ones(len(b))]).astype("float32")
    model = _network(image_size)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
    )
    rng = np.random.default_rng(JUDGE_SEED)
    for _ in range(JUDGE_EPOCHS):
        order = rng.permutation(len(images))
        model.fit(
            images[order],
            labels[order],
            batch_size=JUDGE_BATCH,
            epochs=1,
            shuffle=False,
            verbose=0,
        )
    return model


def _network(image_size):
    import keras
    from keras import layers

    def conv(filters, strides, k):
        init = keras.initializers.HeUniform(seed=JUDGE_SEED + k)
        return layers.Conv2D(
            filters,
            3,
            strides=strides,
            padding="same",
            activation="relu",
            kernel_initializer=init,
        )

    inputs = keras.Input((image_size, image_size, 3))
    x = conv(16, 1, 0)(inputs)
    x = conv(32, 2, 1)(x)
    x = conv(64, 2, 2)(x)
    x = conv(64, 2, 3)(x)
    x = layers.GlobalAveragePooling2D()(x)
    init = keras.initializers.GlorotUniform(seed=JUDGE_SEED + 9)
    outputs = layers.Dense(1, kernel_initializer=init)(x)
    return keras.Model(inputs, outputs, name="font_judge")


def serif_fraction(images):
    """Fraction of `images` (float [-1, 1], NHWC) the judge calls Serif."""
    import numpy as np

    images = np.asarray(images, np.float32)
    logits = judge(images.shape[1]).predict(images, batch_size=64, verbose=0)
    return float(np.mean(np.asarray(logits).ravel() > 0.0))


def font_scores(x, y, fake_y, fake_x):
    """The judge's view of a `glyph_font` translation, both directions.

    Args:
        x: float array. Held-out Sans glyphs in [-1, 1].
        y: float array. Their true Serif glyphs `T(x)`.
        fake_y: float array. `G(x)`.
        fake_x: float array. `F(y)`.

    Returns:
        dict: `serif_rate` (fraction of `G(x)` judged Serif), `sans_rate_ba`
        (fraction of `F(y)` judged Sans), `judge_accuracy` (on `x` and `y`).
    """
    truth = serif_fraction(y)
    identity = serif_fraction(x)
    return {
        "serif_rate": round(serif_fraction(fake_y), 4),
        "sans_rate_ba": round(1.0 - serif_fraction(fake_x), 4),
        "judge_accuracy": round((truth + 1.0 - identity) / 2.0, 4),
    }
