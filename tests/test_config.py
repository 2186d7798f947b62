"""keras_gans.config: the switches' setters, getters and what they resolve to."""

import keras
import pytest

import keras_gans
from keras_gans import config, utils
from tests.layers import run_docstring_examples

SWITCHES = [
    (config.set_conv_gradients, config.conv_gradients, config.CONV_GRADIENT_MODES),
    (config.set_winograd, config.winograd, config.WINOGRAD_MODES),
]
IDS = ["conv_gradients", "winograd"]


@pytest.fixture(autouse=True)
def restore_config():
    """Each test leaves the switches as it found them."""
    saved = config.conv_gradients(), config.winograd()
    yield
    config.set_conv_gradients(saved[0])
    config.set_winograd(saved[1])


def test_package_exports():
    assert "config" in keras_gans.__all__ and keras_gans.config is config
    assert utils.onednn_enabled is config.onednn_enabled


@pytest.mark.parametrize("setter, getter, modes", SWITCHES, ids=IDS)
def test_defaults_and_round_trip(setter, getter, modes):
    assert getter() == "auto"
    assert set(modes) == {"auto", "never", "always"}
    for mode in modes:
        setter(mode)
        assert getter() == mode


@pytest.mark.parametrize("setter, getter, modes", SWITCHES, ids=IDS)
@pytest.mark.parametrize("bad", ["fast", "AUTO", True, None, 1])
def test_bad_values_raise_and_change_nothing(setter, getter, modes, bad):
    setter("never")
    with pytest.raises(ValueError) as err:
        setter(bad)
    message = str(err.value)
    assert f"mode={bad!r}" in message and setter.__name__ in message
    assert str(modes) in message  # lists the valid values
    assert getter() == "never"


def test_the_fixture_restores_the_defaults():
    config.set_conv_gradients("always")
    config.set_winograd("never")


def test_the_fixture_restored_the_defaults():
    # Runs after the test above in the same process (or alone): defaults.
    assert (config.conv_gradients(), config.winograd()) == ("auto", "auto")


@pytest.mark.parametrize("gpu", [False, True])
@pytest.mark.parametrize("onednn", [False, True])
@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])
@pytest.mark.backends
def test_conv_gradients_active(monkeypatch, gpu, onednn, backend):
    monkeypatch.setattr(config, "gpu_available", lambda: gpu)
    monkeypatch.setattr(config, "onednn_enabled", lambda: onednn)
    monkeypatch.setattr(keras.backend, "backend", lambda: backend)
    config.set_conv_gradients("auto")
    # "auto": own gradients with TensorFlow on a CPU without oneDNN only.
    expected = backend == "tensorflow" and not gpu and not onednn
    assert config.conv_gradients_active() is expected
    config.set_conv_gradients("always")
    assert config.conv_gradients_active() is True
    config.set_conv_gradients("never")
    assert config.conv_gradients_active() is False


@pytest.mark.parametrize("gpu", [False, True])
@pytest.mark.parametrize("onednn", [False, True])
def test_winograd_active(monkeypatch, gpu, onednn):
    monkeypatch.setattr(config, "gpu_available", lambda: gpu)
    monkeypatch.setattr(config, "onednn_enabled", lambda: onednn)
    for conv_mode in config.CONV_GRADIENT_MODES:
        config.set_conv_gradients(conv_mode)
        config.set_winograd("auto")
        expected = onednn and not gpu and conv_mode != "never"
        assert config.winograd_active() is expected
        config.set_winograd("always")
        assert config.winograd_active() is True
        config.set_winograd("never")
        assert config.winograd_active() is False


def test_machine_probes_return_bools():
    assert isinstance(config.gpu_available(), bool)
    assert isinstance(config.onednn_enabled(), bool)


@pytest.mark.parametrize("name", [n for n in config.__all__ if n.islower()])
def test_docstring_examples_leave_the_defaults(name):
    run_docstring_examples(getattr(config, name))
    assert (config.conv_gradients(), config.winograd()) == ("auto", "auto")
