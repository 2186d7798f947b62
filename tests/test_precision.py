"""Mixed precision: networks built with a `dtype` policy, loss scaling, training.

Tiny networks (ngf=8, 32x32) trained for a few steps; a mixed-precision
model must stay finite and close to the same model trained in float32.
"""

import keras
import numpy as np
import pytest

import keras_gans
from keras_gans.models.base import PRECISIONS, check_precision
from tests.test_case import max_abs_diff, random_input, require_torch

TINY_G = {"ngf": 8, "n_blocks": 1}
TINY_D = {"ndf": 8, "n_layers": 2}
NETWORKS = ("generator_ab", "generator_ba", "discriminator_a", "discriminator_b")


def _tiny_cyclegan(precision="float32"):
    return keras_gans.CycleGAN.from_preset(
        "cyclegan_paper",
        generator=TINY_G,
        discriminator=TINY_D,
        precision=precision,
        pool_size=4,
        seed=0,
    )


def _data():
    a = random_input((4, 32, 32, 3), seed=1, low=-1.0, high=1.0)
    b = random_input((4, 32, 32, 3), seed=2, low=-1.0, high=1.0)
    return a, b


def _compute_dtypes(network):
    return {
        layer.compute_dtype
        for layer in network._flatten_layers(include_self=False, recursive=True)
        if layer.weights
    }


def test_precision_is_an_argument_not_the_global_policy():
    # `precision` reaches the builders as `dtype`: the global policy is
    # neither read nor changed.
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        model = _tiny_cyclegan("float32")
        bf16 = _tiny_cyclegan("mixed_bfloat16")
        assert keras.config.dtype_policy().name == "mixed_float16"
    finally:
        keras.config.set_dtype_policy(previous)
    assert model.precision == "float32"
    assert bf16.precision == "mixed_bfloat16"
    for name in NETWORKS:
        assert _compute_dtypes(getattr(model, name)) == {"float32"}, name


@pytest.mark.parametrize("bad", ["float64", "bfloat16", None])
def test_bad_precision(bad):
    with pytest.raises(ValueError, match=f"precision={bad!r}"):
        check_precision(bad)
    with pytest.raises(ValueError, match=f"precision={bad!r}"):
        _tiny_cyclegan(bad)


@pytest.mark.parametrize(
    "precision, compute", [("mixed_bfloat16", "bfloat16"), ("mixed_float16", "float16")]
)
def test_from_preset_builds_networks_in_the_policy(precision, compute):
    model = _tiny_cyclegan(precision)
    assert model.precision == precision
    for name in NETWORKS:
        network = getattr(model, name)
        # Convolutions compute in low precision, weights stay float32.
        assert compute in _compute_dtypes(network), name
        assert {w.dtype for w in network.weights} == {"float32"}, name
    x = random_input((1, 32, 32, 3), low=-1.0, high=1.0)
    # The generator's image and the discriminator's logits are float32.
    assert keras.ops.convert_to_numpy(model.generator_ab(x)).dtype == np.float32
    assert keras.ops.convert_to_numpy(model.discriminator_a(x)).dtype == np.float32
    # The global policy is untouched.
    assert keras.config.dtype_policy().name == "float32"
    assert _tiny_cyclegan().precision == "float32"


def test_loss_scaling_only_for_float16():
    fp16 = _tiny_cyclegan("mixed_float16")
    for opt in fp16.gan_optimizers.values():
        assert isinstance(opt, keras.optimizers.LossScaleOptimizer)
    for precision in ("float32", "mixed_bfloat16"):
        for opt in _tiny_cyclegan(precision).gan_optimizers.values():
            assert not isinstance(opt, keras.optimizers.LossScaleOptimizer)
    # The preset's learning rates reach the wrapped optimizers.
    lr = fp16.generator_optimizer.learning_rate
    assert float(keras.ops.convert_to_numpy(lr)) == pytest.approx(2e-4)


@pytest.mark.parametrize(
    "precision, atol", [("mixed_bfloat16", 0.1), ("mixed_float16", 0.05)]
)
def test_mixed_training_is_finite_and_close_to_float32(precision, atol):
    a, b = _data()
    reference = _tiny_cyclegan("float32")
    mixed = _tiny_cyclegan(precision)
    for name in NETWORKS:  # same initial weights
        getattr(mixed, name).set_weights(getattr(reference, name).get_weights())
    histories = {}
    for key, model in (("float32", reference), (precision, mixed)):
        # 2 steps of batch 2, same data order, same pool draws (same seed).
        history = model.fit(a, b, batch_size=2, epochs=1, shuffle=False, verbose=0)
        histories[key] = history.history
    for name, values in histories[precision].items():
        assert np.all(np.isfinite(values)), (name, values)
        expected = histories["float32"][name]
        np.testing.assert_allclose(values, expected, rtol=0.05, atol=0.02, err_msg=name)
    # Weights moved the same way...
    for name in NETWORKS:
        for w32, wmix in zip(
            getattr(reference, name).weights, getattr(mixed, name).weights
        ):
            assert max_abs_diff(w32, wmix) < 1e-3, (name, w32.path)
    # ... and the translations agree, but are not bit-identical (the mixed
    # model really computes in low precision).
    x = random_input((2, 32, 32, 3), seed=3, low=-1.0, high=1.0)
    y32 = reference.generator_ab(x, training=False)
    ymix = mixed.generator_ab(x, training=False)
    assert 0.0 < max_abs_diff(y32, ymix) < atol
    if precision == "mixed_float16":
        scale = mixed.generator_optimizer.dynamic_scale
        assert np.isfinite(float(keras.ops.convert_to_numpy(scale)))


def test_mixed_model_round_trips_through_keras_file(tmp_path):
    model = _tiny_cyclegan("mixed_float16")
    model.build(((2, 32, 32, 3), (2, 32, 32, 3)))  # image pools
    path = str(tmp_path / "mixed.keras")
    model.save(path)
    # Loaded under the global float32 policy: every layer, the sublayers of
    # the composite blocks included, computes as it was saved.
    assert keras.config.dtype_policy().name == "float32"
    loaded = keras.models.load_model(path)
    assert loaded.precision == "mixed_float16"
    blocks = [
        la
        for la in loaded.generator_ab.layers
        if isinstance(la, keras_gans.layers.ResidualBlock)
    ]
    assert blocks
    for block in blocks:
        for sub in block._flatten_layers(include_self=False):
            assert sub.compute_dtype == "float16", (block.name, sub.name)
    assert isinstance(loaded.generator_optimizer, keras.optimizers.LossScaleOptimizer)
    x = random_input((1, 32, 32, 3), low=-1.0, high=1.0)
    assert max_abs_diff(loaded.generator_ab(x), model.generator_ab(x)) == 0.0


def test_mixed_precision_dcgan():
    model = keras_gans.DCGAN.from_preset(
        "cspup",
        generator={"filters": (16, 8)},
        discriminator={"ndf": 8},
        precision="mixed_bfloat16",
    )
    assert model.precision == "mixed_bfloat16"
    size = model.generator.output_shape[1:]
    images = random_input((4, *size), low=-1.0, high=1.0)
    history = model.fit(images, batch_size=2, epochs=1, verbose=0)
    for name, values in history.history.items():
        assert np.all(np.isfinite(values)), name


@pytest.mark.torch
@pytest.mark.parametrize("affine", [False, True])
def test_instance_norm_training_gradient_matches_torch(affine):
    # InstanceNormalization(training=True) has a hand-written backward pass;
    # its gradients must equal torch's autograd through InstanceNorm2d.
    torch = require_torch()
    from keras_gans.layers import InstanceNormalization

    x = random_input((2, 9, 7, 5)) * 3.0 + 1.0
    x[..., 0] *= 0.01  # low variance channel
    upstream = random_input((2, 9, 7, 5), seed=5)
    layer = InstanceNormalization(affine=affine)
    layer.build(x.shape)
    norm_t = torch.nn.InstanceNorm2d(5, affine=affine)
    if affine:
        with torch.no_grad():
            norm_t.weight.copy_(torch.randn(5))
            norm_t.bias.copy_(torch.randn(5))
        layer.gamma.assign(norm_t.weight.detach().numpy())
        layer.beta.assign(norm_t.bias.detach().numpy())
    x_t = torch.from_numpy(x.transpose(0, 3, 1, 2).copy()).requires_grad_(True)
    up_t = torch.from_numpy(upstream.transpose(0, 3, 1, 2).copy())
    (norm_t(x_t) * up_t).sum().backward()

    import tensorflow as tf

    x_k = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x_k)
        loss = tf.reduce_sum(layer(x_k, training=True) * upstream)
    grads = tape.gradient(loss, [x_k, *layer.trainable_weights])
    dx_t = x_t.grad.numpy().transpose(0, 2, 3, 1)
    scale = float(np.abs(dx_t).max())
    assert max_abs_diff(grads[0], dx_t) < 1e-5 * max(1.0, scale)
    if affine:
        assert max_abs_diff(grads[1], norm_t.weight.grad.numpy()) < 1e-4
        assert max_abs_diff(grads[2], norm_t.bias.grad.numpy()) < 1e-4


@pytest.mark.parametrize("precision", PRECISIONS[1:])
def test_instance_norm_statistics_in_float32(precision):
    # Under a mixed policy the layer gets low-precision inputs but normalizes
    # in float32: the result is the float32 layer applied to the rounded
    # input, up to the rounding of the output (2**-8 relative in bfloat16).
    # A channel with a large offset and a small spread makes statistics
    # computed in bfloat16 visibly wrong (max error 0.076 vs < 0.01 here).
    from keras_gans.layers import InstanceNormalization

    x = random_input((1, 16, 16, 2)) * 0.5
    x[..., 1] += 50.0
    compute = "bfloat16" if precision == "mixed_bfloat16" else "float16"
    x_low = keras.ops.cast(x, compute)  # what a low-precision conv hands over
    rounded = keras.ops.cast(x_low, "float32")
    layer = InstanceNormalization(dtype=precision)
    for training in (False, True):
        y = layer(x_low, training=training)
        assert keras.backend.standardize_dtype(y.dtype) == compute
        expected = InstanceNormalization()(rounded, training=training)
        assert max_abs_diff(y, expected) < 0.03
