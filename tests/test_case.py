"""Shared test helpers for keras_gans (our own, since `keras.src.testing` is private).

Every layer and network test goes through these helpers so that each object
is checked the same way: output shape, weight counts, a `get_config` /
`from_config` round trip, and a `.keras` save/load with identical outputs.
"""

import os

import keras
import numpy as np
import pytest

#: Set by `.ci/run`: a parity test that would skip without torch fails instead.
REQUIRE_TORCH = os.environ.get("KERAS_GANS_REQUIRE_TORCH", "") not in ("", "0")


def require_torch():
    """Return the `torch` module, or skip (fail in CI) when it is not installed."""
    try:
        import torch
    except ImportError:
        if REQUIRE_TORCH:
            pytest.fail(
                "torch is required for parity tests in CI "
                "(KERAS_GANS_REQUIRE_TORCH is set) but is not installed"
            )
        pytest.skip("torch is not installed; parity test skipped")
    torch.manual_seed(0)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    return torch


def random_input(shape, seed=0, low=None, high=None, dtype="float32"):
    """A reproducible numpy array, normal by default or uniform in [low, high)."""
    rng = np.random.default_rng(seed)
    if low is not None:
        return rng.uniform(low, high, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def assert_allclose(actual, desired, atol=1e-6, rtol=0.0, msg=""):
    actual = keras.ops.convert_to_numpy(actual)
    desired = keras.ops.convert_to_numpy(desired)
    np.testing.assert_allclose(actual, desired, atol=atol, rtol=rtol, err_msg=msg)


def max_abs_diff(a, b):
    a = keras.ops.convert_to_numpy(a)
    b = keras.ops.convert_to_numpy(b)
    return float(np.max(np.abs(a.astype("float64") - b.astype("float64"))))


def run_serialization_test(obj):
    """`get_config` -> `from_config` gives an equal config, and survives
    `keras.saving.serialize_keras_object` / `deserialize_keras_object`."""
    config = obj.get_config()
    clone = obj.__class__.from_config(config)
    assert clone.get_config() == config, (
        f"{obj.__class__.__name__}: config changed in a from_config round trip"
    )
    serialized = keras.saving.serialize_keras_object(obj)
    revived = keras.saving.deserialize_keras_object(serialized)
    assert revived.__class__ is obj.__class__
    assert revived.get_config() == config
    return clone


def run_model_saving_test(model, inputs, tmp_path, atol=1e-6):
    """Save `model` to a `.keras` file, load it (safe mode) and compare outputs."""
    path = os.path.join(str(tmp_path), f"{model.name}.keras")
    expected = model(inputs, training=False)
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    actual = loaded(inputs, training=False)
    assert_allclose(actual, expected, atol=atol, msg="outputs differ after reload")
    return loaded


def run_layer_test(
    layer_cls,
    init_kwargs,
    input_shape,
    expected_output_shape,
    *,
    expected_num_trainable_weights=None,
    expected_num_non_trainable_weights=None,
    tmp_path=None,
    input_data=None,
    run_training_check=True,
):
    """The standard checks for a layer.

    - builds the layer on `input_shape` (batch included) and checks the
      output shape of an eager call and of `compute_output_shape` (when the
      layer defines it) and symbolic use in a functional model;
    - checks trainable / non-trainable weight counts when given;
    - a config round trip (`run_serialization_test`);
    - a functional model around the layer saved to `.keras` and reloaded
      with identical outputs (when `tmp_path` is given);
    - one gradient step: every trainable weight gets a gradient.
    """
    layer = layer_cls(**init_kwargs)
    x = input_data if input_data is not None else random_input(input_shape)
    y = layer(x)
    assert tuple(y.shape) == tuple(expected_output_shape), (
        f"{layer_cls.__name__}: output shape {tuple(y.shape)}, "
        f"expected {tuple(expected_output_shape)}"
    )
    if expected_num_trainable_weights is not None:
        assert len(layer.trainable_weights) == expected_num_trainable_weights
    if expected_num_non_trainable_weights is not None:
        assert len(layer.non_trainable_weights) == expected_num_non_trainable_weights

    run_serialization_test(layer)

    # Symbolic use, batch dimension unknown.
    inp = keras.Input(shape=tuple(input_shape[1:]), batch_size=None)
    fresh = layer_cls(**init_kwargs)
    sym = fresh(inp)
    assert tuple(sym.shape)[1:] == tuple(expected_output_shape)[1:]
    model = keras.Model(inp, sym)
    model(x)
    if tmp_path is not None:
        run_model_saving_test(model, x, tmp_path)

    if run_training_check and layer.trainable_weights:
        from tests.backend_grad import gradients

        def loss(*_):
            return keras.ops.mean(keras.ops.square(layer(x, training=True)))

        grads = gradients(loss, layer.trainable_weights)
        missing = [w.path for w, g in zip(layer.trainable_weights, grads) if g is None]
        assert not missing, f"no gradient for {missing}"
    return layer


def run_preset_test(name, overrides, *, image_size=32, **kwargs):
    """Preset `name` at tiny widths trains one step with its own optimizers.

    Builds `<Model>.from_preset(name, **overrides, **kwargs)` (networks at
    test size), compiles it with `preset_optimizers(name)` (eagerly: no
    trace), fits one batch of random images and checks that every logged
    loss is finite, that the generator changed and that every optimizer
    stepped exactly once. Returns `(preset, model, history)`.
    """
    import keras_gans
    from keras_gans import presets

    preset = presets.get(name)
    cls = getattr(keras_gans, preset["model"])
    overrides = {k: dict(v) for k, v in overrides.items()}
    if "input_shape" in preset["generator"]["config"]:
        overrides["generator"]["input_shape"] = (image_size, image_size, 3)
    if preset["model"] == "CycleGAN":
        kwargs.setdefault("pool_size", 2)
    model = cls.from_preset(name, compile=False, seed=0, **overrides, **kwargs)
    model.compile(**cls.preset_optimizers(name), run_eagerly=True)
    rng = np.random.default_rng(0)
    if preset["model"] == "DCGAN":
        generator = model.generator
        size = generator.output_shape[1]
        data = (rng.uniform(-1, 1, (4, size, size, 3)).astype("float32"),)
    else:
        generator = getattr(model, "generator_ab", None) or model.generator
        shape = (2, image_size, image_size, 3)
        data = tuple(rng.uniform(-1, 1, shape).astype("float32") for _ in "ab")
    before = [w.copy() for w in generator.get_weights()]
    history = model.fit(*data, batch_size=len(data[0]), epochs=1, verbose=0)
    after = generator.get_weights()
    assert any(not np.allclose(w0, w1) for w0, w1 in zip(before, after)), (
        f"{name}: the generator did not change in one step"
    )
    assert set(history.history) == set(model.LOSS_NAMES)
    for key, values in history.history.items():
        assert np.isfinite(values[-1]), (name, key, values)
    for opt_name, opt in model.gan_optimizers.items():
        assert int(opt.iterations.numpy()) == 1, (name, opt_name)
    return preset, model, history


class TestCase:
    """The shared checks, keras-hub style, in one place.

    `run_layer_test` (a layer's shapes, weights, config, saving, gradients),
    `run_model_saving_test` (`.keras` round trip with equal outputs),
    `run_serialization_test` (config round trip), `run_preset_test` (a preset
    at tiny widths trains a step with its own optimizers), and the numeric
    asserts. Tests call them as `TestCase.run_layer_test(...)` or through the
    module-level functions of the same names.
    """

    __test__ = False  # a helper, not a test class for pytest to collect

    run_layer_test = staticmethod(run_layer_test)
    run_model_saving_test = staticmethod(run_model_saving_test)
    run_serialization_test = staticmethod(run_serialization_test)
    run_preset_test = staticmethod(run_preset_test)
    assert_allclose = staticmethod(assert_allclose)
    max_abs_diff = staticmethod(max_abs_diff)
    random_input = staticmethod(random_input)
