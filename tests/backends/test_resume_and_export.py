"""A model trained on JAX or PyTorch resumes on TensorFlow, and its
generator exports (from either side) to a SavedModel that serves the same
outputs."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests import tiny
from tests.backends import run
from tests.backends.train_and_export import images


def _serve(path, uint8_images):
    signature = tf.saved_model.load(path).signatures["translate_image"]
    return signature(images=tf.constant(uint8_images))["images"].numpy()


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_model_resumes_on_tensorflow_and_serves_the_same(tmp_path, backend):
    run("train_and_export", backend, tmp_path)
    expected = np.load(tmp_path / "translated.npy")
    # The SavedModel exported on JAX (through TensorFlow) serves JAX's output.
    served = _serve(str(tmp_path / "served" / "1"), images())
    assert np.abs(served.astype(int) - expected.astype(int)).max() <= 1
    # Loaded here (TensorFlow): the same translation, optimizer state kept.
    model = keras.saving.load_model(tmp_path / "model.keras")
    assert int(model.generator_optimizer.iterations) == 2
    ours = model.translate(images())
    assert np.abs(ours.astype(int) - expected.astype(int)).max() <= 1
    # ... and training continues from there.
    before = tiny.weights_of(model.generator_ab)
    a, b = tiny.random_pairs(n=2, size=16, seed=4)
    model.fit((a, b), batch_size=2, epochs=1, verbose=0)
    assert int(model.generator_optimizer.iterations) == 3
    after = tiny.weights_of(model.generator_ab)
    assert max(np.abs(x - y).max() for x, y in zip(before, after)) > 0
    # Exported here after the extra step: serves the resumed model's output.
    from keras_gans import export

    path = export.export_generator(model, str(tmp_path / "resumed"))
    served = _serve(path, images())
    assert np.abs(served.astype(int) - model.translate(images()).astype(int)).max() <= 1
