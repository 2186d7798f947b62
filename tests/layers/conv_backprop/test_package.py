"""The conv_backprop package: its place in the API, its imports, its files."""

import ast
import importlib.util
import json
import os
import pathlib
import subprocess
import sys
import zipfile

import keras
import numpy as np
import pytest

import keras_gans.layers
from keras_gans import config, networks
from keras_gans.layers import conv_backprop
from keras_gans.layers.conv_backprop import FastConv2D, FewChannelConv2D
from tests.layers import run_docstring_examples

PACKAGE = pathlib.Path(conv_backprop.__file__).parent
PREFIX = "keras_gans.layers.conv_backprop"


def test_not_public_layer_api():
    for name in conv_backprop.__all__:
        assert name not in keras_gans.layers.__all__
        assert not hasattr(keras_gans.layers, name), name
    for old in ("conv_gradients", "few_channel_conv", "winograd"):
        assert importlib.util.find_spec(f"keras_gans.layers.{old}") is None


ROOT = pathlib.Path(keras_gans.__file__).parent.parent


def _is_module(name):
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _our_imports(path):
    """Our modules imported by `path`, at any level of its code."""
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            # `from package import submodule` imports the submodule.
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                names.append(sub if _is_module(sub) else node.module)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return {n for n in names if n == "keras_gans" or n.startswith("keras_gans.")}


def test_files_import_only_config_and_no_cycle():
    """Each file imports `keras_gans.config` and files above it, nothing else
    of ours: taking the files in the order each one's imports are met, every
    file is reached (a cycle would leave some out)."""
    graph = {
        f"{PREFIX}.{p.stem}": _our_imports(p)
        for p in PACKAGE.glob("*.py")
        if p.stem != "__init__"
    }
    for module, imports in graph.items():
        outside = {m for m in imports if not m.startswith(PREFIX + ".")}
        assert outside <= {"keras_gans.config"}, (module, outside)
    allowed, done = {"keras_gans.config"}, set()
    while len(done) < len(graph):
        ready = [m for m in graph if m not in done and graph[m] - allowed <= done]
        assert ready, f"import cycle among {sorted(set(graph) - done)}"
        done.update(ready)


def _conv_configs(model):
    return [
        keras.saving.serialize_keras_object(layer)
        for layer in model._flatten_layers(include_self=False, recursive=True)
        if isinstance(layer, keras.layers.Conv2D)
        and not isinstance(layer, keras.layers.Conv2DTranspose)
    ]


def test_one_serialized_class_on_every_machine(monkeypatch):
    """The switches and the machine change the gradients, never the file."""

    def build():
        keras.utils.set_random_seed(0)
        return _conv_configs(networks.create("resnet_6blocks", ngf=8, n_blocks=1))

    reference = build()
    assert {c["registered_name"] for c in reference} == {"keras_gans>FastConv2D"}
    monkeypatch.setattr(config, "gpu_available", lambda: True)
    for mode in config.CONV_GRADIENT_MODES:
        config.set_conv_gradients(mode)
        config.set_winograd(mode)
        assert build() == reference


def test_files_written_before_the_package_load():
    """Files name `keras_gans>FastConv2D` in the module that held it then."""
    conv = keras.layers.Conv2D(4, 3, name="c")
    for cls in (FastConv2D, FewChannelConv2D):
        name = cls.__name__
        old = {
            "module": "keras_gans.layers.conv_gradients",
            "class_name": name,
            "config": conv.get_config(),
            "registered_name": f"keras_gans>{name}",
        }
        assert type(keras.saving.deserialize_keras_object(old)) is cls


@pytest.mark.parametrize("obj", [conv_backprop])
def test_docstring_example(obj):
    out = run_docstring_examples(obj)
    assert "(1, 8, 8, 16)" in out and "auto" in out


_LOAD_ELSEWHERE = """
import json, sys, zipfile
import keras, numpy as np
import keras_gans  # registers the layers
path, x_path, out_path = sys.argv[1:]
model = keras.models.load_model(path)
np.save(out_path, keras.ops.convert_to_numpy(model(np.load(x_path))))
model.save(out_path + ".keras")
"""


def _config_json(path):
    """A `.keras` file's config, less Keras' ids of objects shared in memory."""
    with zipfile.ZipFile(path) as archive:
        text = archive.read("config.json")

    def drop_ids(obj):
        obj.pop("shared_object_id", None)
        return obj

    return json.loads(text, object_hook=drop_ids)


@pytest.mark.backends
def test_a_file_written_on_one_backend_loads_on_another(tmp_path):
    """FastConv2D / FewChannelConv2D files are the same on every backend."""
    other = {"tensorflow": "jax", "jax": "torch", "torch": "tensorflow"}
    other = other[keras.backend.backend()]
    inputs = keras.Input((6, 6, 8))
    x = FastConv2D(4, 3, name="fast")(inputs)
    model = keras.Model(inputs, FewChannelConv2D(2, 3, name="few")(x))
    x = np.random.default_rng(0).standard_normal((2, 6, 6, 8)).astype("float32")
    path = tmp_path / "model.keras"
    model.save(path)
    np.save(tmp_path / "x.npy", x)
    env = {**os.environ, "KERAS_BACKEND": other}
    subprocess.run(
        [
            sys.executable,
            "-c",
            _LOAD_ELSEWHERE,
            str(path),
            str(tmp_path / "x.npy"),
            str(tmp_path / "y.npy"),
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    expected = keras.ops.convert_to_numpy(model(x))
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected, atol=1e-5)
    # Written back there, the file describes the same model.
    assert _config_json(tmp_path / "y.npy.keras") == _config_json(path)
