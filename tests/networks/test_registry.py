"""The network registry: names, kinds, info, create() overrides and errors."""

import keras
import numpy as np
import pytest

from keras_gans import networks

EXPECTED_GENERATORS = {
    "resnet_9blocks",
    "resnet_6blocks",
    "residual_pixelshuffle",
    "residual_pixelshuffle_9blocks",
    "uvcgan",
    "uvcgan_vit_unet_12",
    "cspup_dcgan",
    "unet_256",
    "unet_128",
}
EXPECTED_DISCRIMINATORS = {
    "patchgan",
    "patchgan_pooled",
    "residual_discriminator",
    "dcgan_discriminator",
}


def test_list_networks_by_kind():
    generators = networks.list_networks("generator")
    discriminators = networks.list_networks("discriminator")
    assert EXPECTED_GENERATORS <= set(generators)
    assert EXPECTED_DISCRIMINATORS <= set(discriminators)
    assert not set(generators) & set(discriminators)
    assert networks.list_networks() == sorted(generators + discriminators)
    with pytest.raises(ValueError, match="kind='critic'"):
        networks.list_networks("critic")


def test_get_network_info():
    info = networks.get_network_info("resnet_6blocks")
    assert isinstance(info, networks.NetworkInfo)
    assert info.kind == "generator"
    config = info.config()
    assert config["n_blocks"] == 6
    assert config["ngf"] == 64
    assert config["name"] == "resnet_6blocks"
    assert config["dtype"] is None
    assert info.config(ngf=8)["ngf"] == 8
    assert info.builder is networks.resnet_generator
    assert "CycleGAN" in info.source
    pooled = networks.get_network_info("patchgan_pooled")
    assert pooled.config()["pooled"] is True
    assert networks.get_network_info("patchgan").config()["pooled"] is False
    for name in networks.list_networks():
        info = networks.get_network_info(name)
        assert info.source and info.description, name
        assert info.shape_fn is not None and info.test_config, name
        assert "dtype" in info.config(), f"{name}: the builder takes no dtype"


def test_network_info_dict_access():
    # The dict get_network_info used to return: the same keys still read.
    info = networks.get_network_info("resnet_6blocks")
    assert info["kind"] == "generator" and info["name"] == "resnet_6blocks"
    assert info["config"] == info.config()
    assert info["builder"].endswith("resnet_generator.resnet_generator")
    with pytest.raises(KeyError):
        info["stride"]


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError) as err:
        networks.create("resnet_12blocks")
    message = str(err.value)
    assert "'resnet_12blocks'" in message
    for name in ("resnet_9blocks", "patchgan", "uvcgan"):
        assert name in message
    with pytest.raises(ValueError, match="resnet_12blocks"):
        networks.get_network_info("resnet_12blocks")


def test_unknown_override_lists_valid_arguments():
    with pytest.raises(ValueError) as err:
        networks.create("patchgan", n_filters=8)
    assert "n_filters" in str(err.value)
    assert "ndf" in str(err.value)


def test_overrides_and_model_name():
    model = networks.create("patchgan", ndf=4, n_layers=2)
    assert model.name == "patchgan"
    assert model.get_layer("conv_0").filters == 4
    assert model.get_layer("conv_2").strides == (1, 1)  # the stride-1 block
    renamed = networks.create("patchgan", ndf=4, name="disc_a")
    assert renamed.name == "disc_a"
    six = networks.create("resnet_9blocks", ngf=4, n_blocks=6)
    assert sum(layer.name.startswith("res_") for layer in six.layers) == 6


def test_register_custom_network():
    @networks.register_network(
        "test_tiny_generator",
        kind="generator",
        source="test",
        description="a 1x1 conv",
        defaults={"channels": 2},
    )
    def tiny(channels=3, name="tiny"):
        inputs = keras.Input((None, None, channels))
        return keras.Model(inputs, keras.layers.Conv2D(channels, 1)(inputs), name=name)

    try:
        assert "test_tiny_generator" in networks.list_networks("generator")
        model = networks.create("test_tiny_generator")
        assert model.name == "test_tiny_generator"
        assert model(np.zeros((1, 4, 4, 2), "float32")).shape == (1, 4, 4, 2)
        assert networks.create("test_tiny_generator", channels=1).output.shape[-1] == 1
        with pytest.raises(ValueError, match="already registered"):
            networks.register_network("test_tiny_generator", "generator", "s", "d")(
                tiny
            )
    finally:
        networks.unregister_network("test_tiny_generator")
    assert "test_tiny_generator" not in networks.list_networks()


def test_register_network_validates():
    with pytest.raises(ValueError, match="kind='encoder'"):
        networks.register_network("x", kind="encoder", source="s", description="d")
    with pytest.raises(ValueError, match="does not accept"):
        networks.register_network(
            "test_bad_defaults", "generator", "s", "d", defaults={"depth": 3}
        )(lambda width=1: None)
    assert "test_bad_defaults" not in networks.list_networks()
