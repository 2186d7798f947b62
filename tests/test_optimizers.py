import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gans
from keras_gans.optimizers import FusedAdam
from tests.layers import run_docstring_examples
from tests.test_case import assert_allclose, random_input


def _train(optimizer, steps=12):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(8, activation="tanh"),
            keras.layers.Dense(2),
        ]
    )
    model.compile(optimizer, "mse")
    x = random_input((steps * 4, 6))
    y = random_input((steps * 4, 2), seed=1)
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    return model


@pytest.mark.parametrize("kwargs", [{}, {"beta_1": 0.5, "epsilon": 1e-3}])
def test_matches_keras_adam(kwargs):
    ref = _train(keras.optimizers.Adam(1e-2, **kwargs))
    ours = _train(FusedAdam(1e-2, **kwargs))
    assert int(ours.optimizer.iterations) == int(ref.optimizer.iterations) == 12
    for a, b in zip(ours.get_weights(), ref.get_weights()):
        assert_allclose(a, b, atol=1e-5)
    for a, b in zip(ours.optimizer.variables[2:], ref.optimizer.variables[2:]):
        assert_allclose(a, b, atol=1e-5)


def test_uses_the_fused_kernel():
    """The traced update is one ResourceApplyAdam per variable."""
    var = keras.Variable(np.ones((3, 3), "float32"))
    opt = FusedAdam(0.1)
    opt.build([var])

    @tf.function(autograph=False)
    def step(grad):
        opt.apply([grad], [var])

    graph = step.get_concrete_function(tf.TensorSpec((3, 3))).graph
    types = [op.type for op in graph.get_operations()]
    assert types.count("ResourceApplyAdam") == 1
    step(tf.ones((3, 3)))
    # First Adam step moves by lr * sign(g) (up to epsilon).
    assert_allclose(var, np.full((3, 3), 0.9, "float32"), atol=1e-5)


def test_falls_back_for_amsgrad():
    ref = _train(keras.optimizers.Adam(1e-2, amsgrad=True))
    ours = _train(FusedAdam(1e-2, amsgrad=True))
    for a, b in zip(ours.get_weights(), ref.get_weights()):
        assert_allclose(a, b, atol=1e-5)


def test_serialization_and_checkpoint_compatibility(tmp_path):
    opt = FusedAdam(3e-4, beta_1=0.5, name="generator_optimizer")
    restored = keras.optimizers.deserialize(keras.optimizers.serialize(opt))
    assert type(restored) is FusedAdam
    assert restored.get_config() == opt.get_config()
    # The same state as Adam: a model trained with one loads into the other.
    model = _train(FusedAdam(1e-2))
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded.optimizer) is FusedAdam
    assert int(loaded.optimizer.iterations) == 12


def test_default_gan_optimizers_are_fused():
    model = keras_gans.CycleGAN.from_preset(
        "cyclegan_paper", generator={"ngf": 4, "n_blocks": 1}, discriminator={"ndf": 4}
    )
    model.compile()
    assert type(model.generator_optimizer) is FusedAdam
    assert type(model.discriminator_a_optimizer) is FusedAdam
    assert float(model.generator_optimizer.beta_1) == 0.5


def test_docstring_example():
    assert run_docstring_examples(FusedAdam).strip() == "1"
