"""Every registered network: build, forward, backward, .keras round trip;
reference parameter counts and output sizes; spectral norm; init schemes."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_gans import networks
from tests.backend_grad import gradients, value_and_gradients
from tests.test_case import random_input, run_model_saving_test


def _dtype(x):
    return keras.backend.standardize_dtype(x.dtype)


DISCRIMINATORS = networks.list_networks("discriminator")


def _marked(names, *fast):
    """`names`, those in `fast` also run in CI on every backend."""
    return [
        pytest.param(n, marks=pytest.mark.backends) if n in fast else n for n in names
    ]


def _small(name, **extra):
    """`name` built with its registered test config (`NetworkInfo.test_config`,
    e.g. `ngf=4`) and a batch of 2 inputs of its `test_input_shape`."""
    info = networks.get_network_info(name)
    if not info.test_config:
        pytest.fail(f"Register a small `test_config` for {name!r}.")
    model = networks.create(name, **info.test_config, **extra)
    in_shape = model.inputs[0].shape
    if len(in_shape) == 2:  # noise input
        x = random_input((2, *in_shape[1:]), seed=1)
    else:
        shape = info.test_input_shape
        x = random_input((2, *shape[:2], in_shape[-1]), seed=1, low=-1.0, high=1.0)
    return model, x


@pytest.mark.parametrize("name", _marked(networks.list_networks(), "resnet_6blocks"))
def test_registered_network(name, tmp_path):
    model, x = _small(name)
    assert isinstance(model, keras.Model)
    assert model.name == name

    # Forward.
    y = model(x, training=False)
    kind = networks.get_network_info(name).kind
    assert _dtype(y) == "float32"
    if kind == "generator":
        y_np = keras.ops.convert_to_numpy(y)
        if len(x.shape) == 4:
            assert y.shape == x.shape
        else:
            assert y.shape == (2, 64, 64, 3)
        assert np.all(np.abs(y_np) <= 1.0), "generator output not in [-1, 1]"
        assert np.std(y_np) > 0
    else:
        assert y.shape[0] == 2 and y.shape[-1] == 1
    assert np.all(np.isfinite(keras.ops.convert_to_numpy(y)))

    # Backward: every trainable weight gets a (finite) gradient.
    def loss(*_):
        return ops.mean(ops.square(model(x, training=True) - 0.5))

    grads = gradients(loss, model.trainable_weights)
    missing = [w.path for w, g in zip(model.trainable_weights, grads) if g is None]
    assert not missing, f"{name}: no gradient for {missing}"
    assert all(np.all(np.isfinite(keras.ops.convert_to_numpy(g))) for g in grads)

    # .keras save / load (safe_mode=True) with identical outputs.
    loaded = run_model_saving_test(model, x, tmp_path, atol=1e-6)
    assert loaded.count_params() == model.count_params()


@pytest.mark.parametrize("name", ["uvcgan", "patchgan", "cspup_dcgan"])
def test_mixed_bfloat16(name):
    keras.config.set_dtype_policy("mixed_bfloat16")  # reset by conftest
    model, x = _small(name)
    assert model.get_layer(index=1).compute_dtype == "bfloat16"
    y = model(x, training=True)
    assert _dtype(y) == "float32"  # the last activation is float32
    assert np.all(np.isfinite(keras.ops.convert_to_numpy(y)))


def test_fully_convolutional_sizes():
    gen = networks.create("resnet_6blocks", ngf=4)
    assert gen.input_shape == (None, None, None, 3)
    for h, w in ((16, 16), (24, 40)):
        assert gen(random_input((1, h, w, 3))).shape == (1, h, w, 3)
    uvc = networks.create("uvcgan", ngf=4, n_heads=2, n_blocks=1)
    assert uvc(random_input((1, 16, 24, 3))).shape == (1, 16, 24, 3)
    disc = networks.create("patchgan", ndf=4)
    # torch: 64 -> 32 -> 16 -> 8 -> 7 -> 6; 48 -> 24 -> 12 -> 6 -> 5 -> 4
    assert disc(random_input((1, 64, 48, 3))).shape == (1, 6, 4, 1)


def test_reference_parameter_counts():
    assert networks.create("resnet_9blocks").count_params() == 11_378_179
    disc = networks.create("patchgan")
    assert disc.count_params() == 2_764_737
    # The 70x70 PatchGAN maps a 256x256 image to a 30x30 grid of logits.
    assert disc(np.zeros((1, 256, 256, 3), "float32")).shape == (1, 30, 30, 1)
    # DCGAN tutorial discriminator (trainable: BatchNorm statistics excluded).
    dcgan = networks.create("dcgan_discriminator")
    trainable = sum(int(np.prod(w.shape)) for w in dcgan.trainable_weights)
    assert trainable == 2_765_568


def test_uvcgan_structure():
    gen = networks.create("uvcgan", ngf=8, n_heads=2, n_blocks=3)
    vit = gen.get_layer("vit")
    assert vit.features == 32 and vit.n_blocks == 3 and vit.norm is None
    assert vit.ffn_features == 128 and vit.embed_features == 32
    assert gen.get_layer("bottleneck_conv2").filters == 64
    assert gen.get_layer("dec_1_conv2").filters == 16  # = features[0]
    paper = networks.get_network_info("uvcgan_vit_unet_12").config()
    assert paper["features"] == (48, 96, 192, 384)
    assert (paper["n_heads"], paper["n_blocks"], paper["ffn_features"]) == (6, 12, 1536)
    with pytest.raises(ValueError, match="multiple of 4"):
        networks.create("uvcgan", ngf=4, input_shape=(30, 30, 3))
    with pytest.raises(ValueError, match="n_heads=3"):
        networks.create("uvcgan", ngf=4, n_heads=3)


def test_seed_000_configs():
    gen = networks.create("residual_pixelshuffle")
    assert gen.get_layer("stem_conv").filters == 96
    assert gen.get_layer("down_1").filters == 192
    assert [layer.name for layer in gen.layers if layer.name.startswith("res_")] == [
        "res_1",
        "res_2",
    ]
    up = gen.get_layer("up_1")
    assert (up.mode, up.padding, up.filters) == ("pixelshuffle", "reflect", 96)
    # Seed 000's discriminator: hidden_n strided blocks, no stride-1 block.
    disc = networks.create(
        "patchgan", ndf=4, n_layers=4, stride1_block=False, max_mult=None
    )
    assert [disc.get_layer(f"conv_{i}").filters for i in range(4)] == [4, 8, 16, 32]
    assert disc(random_input((1, 64, 64, 3))).shape == (1, 3, 3, 1)


def _spectral_norm_train_step(name, graph):
    size = 32 if name.startswith("patchgan") else 16  # smallest valid sizes
    disc = networks.create(
        name,
        **networks.get_network_info(name).test_config,
        spectral_norm=True,
        input_shape=(size, size, 3),
    )
    x = random_input((2, size, size, 3), seed=1, low=-1.0, high=1.0)
    layers = list(disc._flatten_layers(include_self=False))
    wrappers = [
        la for la in layers if isinstance(la, keras.layers.SpectralNormalization)
    ]
    convs = [la for la in layers if isinstance(la, keras.layers.Conv2D)]
    assert wrappers and len(wrappers) == len(convs), "every conv must be wrapped"
    us = [w.vector_u for w in wrappers]
    u_before = [keras.ops.convert_to_numpy(u).copy() for u in us]
    w_before = [keras.ops.convert_to_numpy(w).copy() for w in disc.trainable_weights]
    optimizer = keras.optimizers.Adam(1e-3)
    optimizer.build(disc.trainable_variables)
    fake = random_input(x.shape, seed=2, low=-1.0, high=1.0)

    def train_step(real, fake):
        # One call on real and fake together: one power iteration per step.
        def loss_fn(*_):
            logits = disc(ops.concatenate([real, fake], 0), training=True)
            n = ops.shape(real)[0]
            return ops.mean(ops.square(logits[:n] - 1.0)) + ops.mean(
                ops.square(logits[n:])
            )

        loss, grads = value_and_gradients(loss_fn, disc.trainable_weights)
        optimizer.apply_gradients(zip(grads, disc.trainable_weights))
        return loss

    if graph:
        import tensorflow as tf

        train_step = tf.function(train_step)
    loss = train_step(x, fake)
    assert np.isfinite(float(loss))
    for u, before in zip(us, u_before):
        assert not np.allclose(keras.ops.convert_to_numpy(u), before), "u not updated"
    changed = [
        not np.allclose(keras.ops.convert_to_numpy(w), b)
        for w, b in zip(disc.trainable_weights, w_before)
    ]
    assert all(changed), "some trainable weights did not change"


@pytest.mark.parametrize("name", _marked(DISCRIMINATORS, "patchgan"))
def test_spectral_norm_discriminator_train_step(name):
    _spectral_norm_train_step(name, graph=False)


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="TensorFlow graph mode"
)
def test_spectral_norm_train_step_in_graph_mode():
    # Spectral norm inside ResidualBlock and on plain convs, traced by
    # tf.function as in model.fit (one network: tracing is slow on CPU).
    _spectral_norm_train_step("residual_discriminator", graph=True)


def test_spectral_norm_cspup_generator():
    gen, z = _small("cspup_dcgan", spectral_norm=True)
    assert gen(z, training=True).shape == (2, 64, 64, 3)
    wrapped = [
        layer
        for layer in gen._flatten_layers(include_self=False)
        if isinstance(layer, keras.layers.SpectralNormalization)
    ]
    assert len(wrapped) == 5 * 5  # 5 blocks x (2 deconvs + 3 convs)


@pytest.mark.parametrize(
    "init, expected_std",
    [
        ("normal", lambda fi, fo: 0.02),
        ("xavier", lambda fi, fo: 0.02 * np.sqrt(2.0 / (fi + fo))),
        ("kaiming", lambda fi, fo: np.sqrt(2.0 / fi)),
        ("orthogonal", None),
    ],
)
def test_init_schemes(init, expected_std):
    gen = networks.create("resnet_6blocks", ngf=16, n_blocks=1, init=init)
    kernel = keras.ops.convert_to_numpy(gen.get_layer("res_1").conv1.kernel)
    fan_in = fan_out = 3 * 3 * 64
    assert abs(kernel.mean()) < 0.1 * kernel.std()
    if expected_std is not None:
        np.testing.assert_allclose(
            kernel.std(), expected_std(fan_in, fan_out), rtol=0.05
        )
    else:  # orthogonal with gain 0.02: rows of the flattened kernel are orthogonal
        flat = kernel.reshape(-1, kernel.shape[-1])
        np.testing.assert_allclose(flat.T @ flat, 0.02**2 * np.eye(64), atol=1e-6)
    other = keras.ops.convert_to_numpy(gen.get_layer("res_1").conv2.kernel)
    assert not np.allclose(kernel, other), "same-shaped kernels must differ"


def test_argument_errors_quote_the_value():
    with pytest.raises(ValueError, match="init='uniform'"):
        networks.create("patchgan", init="uniform")
    with pytest.raises(ValueError, match="ngf=0"):
        networks.create("resnet_9blocks", ngf=0)
    with pytest.raises(ValueError, match="norm='group'"):
        networks.create("resnet_9blocks", norm="group")
    with pytest.raises(ValueError, match="upsample='bilinear'"):
        networks.create("resnet_9blocks", upsample="bilinear")
    with pytest.raises(ValueError, match="multiple of 4"):
        networks.create("resnet_9blocks", input_shape=(30, 32, 3))
    with pytest.raises(ValueError, match="input_shape=\\(64, 64\\)"):
        networks.create("patchgan", input_shape=(64, 64))
    with pytest.raises(ValueError, match="power of two"):
        networks.create("dcgan_discriminator", input_shape=(48, 48, 3))
    with pytest.raises(ValueError, match="latent_dim=101"):
        networks.create("cspup_dcgan", latent_dim=101)
    with pytest.raises(ValueError, match="num_downs=4"):
        networks.create("unet_256", num_downs=4)


BF16_FORWARD = ["resnet_6blocks", "uvcgan", "patchgan", "cspup_dcgan"]

#: The layers that output float32 whatever the policy (the image or logits).
FLOAT32_OUTPUTS = {"head_act", "up_1_act_out", "tanh", "logits"}


@pytest.mark.parametrize("name", networks.list_networks())
def test_dtype_argument(name):
    # A mixed_bfloat16 network while the global policy stays float32.
    model = networks.create(
        name, **networks.get_network_info(name).test_config, dtype="mixed_bfloat16"
    )
    assert keras.config.dtype_policy().name == "float32"
    for layer in model._flatten_layers(include_self=False):
        if isinstance(layer, keras.layers.InputLayer) or layer.name in FLOAT32_OUTPUTS:
            continue
        assert layer.compute_dtype == "bfloat16", f"{name}: {layer.path}"
    for variable in model.weights:
        assert variable.dtype == "float32", f"{name}: {variable.path}"
    assert model.layers[-1].compute_dtype == "float32"
    # The float32 twin has the same weights layout.
    plain = networks.create(name, **networks.get_network_info(name).test_config)
    assert [w.shape for w in plain.weights] == [w.shape for w in model.weights]
    assert plain.layers[1].compute_dtype == "float32"


@pytest.mark.parametrize("name", BF16_FORWARD)
def test_dtype_argument_computes_in_bfloat16(name, tmp_path):
    model, x = _small(name, dtype="mixed_bfloat16")
    hidden = keras.Model(model.inputs[0], model.layers[-2].output)
    assert _dtype(hidden(x)) == "bfloat16"
    y = model(x, training=True)
    assert _dtype(y) == "float32"
    assert np.all(np.isfinite(keras.ops.convert_to_numpy(y)))
    assert keras.config.dtype_policy().name == "float32"
    loaded = run_model_saving_test(model, x, tmp_path, atol=1e-6)
    assert loaded.layers[1].dtype_policy.name == "mixed_bfloat16"
