"""Train a tiny CycleGAN (EMA on) for 2 steps on the current backend, save
it as `.keras`, record G's output on fixed images, and export G as a TF
Serving SavedModel from this backend (a subprocess of
tests/backends/test_resume_and_export.py): `python -m
tests.backends.train_and_export FOLDER`."""

import os
import sys

import keras
import numpy as np

from keras_gans import export
from tests import tiny


def images():
    """The fixed inputs: 2 images of 16x16 (uint8)."""
    return np.random.RandomState(9).randint(0, 256, (2, 16, 16, 3)).astype("uint8")


def main(folder):
    keras.utils.set_random_seed(0)
    model = tiny.tiny_cyclegan(ema_decay=0.9)
    model.compile()
    a, b = tiny.random_pairs(n=4, size=16)
    model.fit((a, b), batch_size=2, epochs=1, shuffle=False, verbose=0)
    model.save(os.path.join(folder, "model.keras"))
    np.save(os.path.join(folder, "translated.npy"), model.translate(images()))
    export.export_generator(model, os.path.join(folder, "served"))


if __name__ == "__main__":
    main(sys.argv[1])
