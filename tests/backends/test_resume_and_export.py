"""A model trained on JAX or PyTorch resumes on TensorFlow, and its
generator exports (from either side) to a SavedModel that serves the same
outputs."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests import tiny
from tests.backends.train_and_export import images

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


def _train_on(backend, folder):
    env = {**os.environ, "KERAS_BACKEND": backend, "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run(
        [sys.executable, "-m", "tests.backends.train_and_export", str(folder)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def _serve(path, uint8_images):
    signature = tf.saved_model.load(path).signatures["translate_image"]
    return signature(images=tf.constant(uint8_images))["images"].numpy()


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_model_resumes_on_tensorflow_and_serves_the_same(tmp_path, backend):
    _train_on(backend, tmp_path)
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
