"""Fixtures of the conv_backprop tests (tests/conftest.py restores the switches)."""

import pytest

from keras_gans import config


@pytest.fixture
def custom_gradients():
    """The layers' own backward passes, also where oneDNN turns them off."""
    config.set_conv_gradients("always")
