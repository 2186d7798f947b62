"""keras_gans.export.export_tflite, run in TensorFlow's TFLite interpreter.

TensorFlow 2.21 still ships `tf.lite.Interpreter` (deprecated in favour of
the `ai_edge_litert` package, same API), so no extra package is needed.
"""

import os
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import cli, export, networks
from keras_gans.runs import export as run_export
from tests.export import reference_translate
from tests.layers import run_docstring_examples
from tests.test_case import assert_allclose, random_input
from tests.tiny import tiny_resnet_generator as tiny_generator

pytestmark = pytest.mark.slow  # TFLite conversion: a few seconds each

SIZE = (21, 30)  # not a multiple of the stride: the graph pads and crops

#: Quantized outputs against float32 Keras (values in [-1, 1]), measured on
#: the tiny generator with margin: float16 weights ~1e-3, int8 weights and
#: dynamically quantized activations ~3e-2 at most.
TOLERANCE = {"float16": (1e-2, 2e-3), "dynamic_int8": (0.15, 0.03)}  # max, mean


@pytest.fixture(scope="module")
def generator():
    keras.utils.set_random_seed(12)
    return tiny_generator(ngf=8)


@pytest.fixture(scope="module")
def exported(generator, tmp_path_factory):
    """`{quantize: path}` for float32 (None), float16 and dynamic int8."""
    root = tmp_path_factory.mktemp("tflite")
    paths = {}
    for quantize in (None, "float16", "dynamic_int8"):
        path = os.path.join(str(root), f"{quantize or 'float32'}.tflite")
        result = export.export_tflite(
            generator, path, image_size=SIZE, quantize=quantize
        )
        assert result == path
        paths[quantize] = path
    return paths


def _interpreter(path, batch=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tf.lite.Interpreter is deprecated
        interpreter = tf.lite.Interpreter(model_path=path)
    if batch is not None:
        (inp,) = interpreter.get_input_details()
        interpreter.resize_tensor_input(inp["index"], [batch, *inp["shape"][1:]])
    interpreter.allocate_tensors()
    return interpreter


def _run(path, x):
    interpreter = _interpreter(path, batch=len(x))
    (inp,), (out,) = interpreter.get_input_details(), interpreter.get_output_details()
    interpreter.set_tensor(inp["index"], x)
    interpreter.invoke()
    return interpreter.get_tensor(out["index"])


def test_float32_matches_keras_within_1e_4(exported, generator):
    (inp,) = _interpreter(exported[None]).get_input_details()
    assert tuple(inp["shape"]) == (1, *SIZE, 3) and inp["dtype"] == np.float32
    x = random_input((2, *SIZE, 3), seed=1, low=-1.0, high=1.0)
    y = _run(exported[None], x)
    expected = reference_translate(generator, x)
    assert y.shape == expected.shape == x.shape
    assert np.std(expected) > 1e-3
    assert_allclose(y, expected, atol=1e-4)


def test_float32_without_padding_is_the_bare_generator(generator, tmp_path):
    path = export.export_tflite(generator, tmp_path / "g.tflite", image_size=16)
    x = random_input((1, 16, 16, 3), seed=2, low=-1.0, high=1.0)
    assert_allclose(_run(path, x), generator(x), atol=1e-4)


@pytest.mark.parametrize("quantize", ["float16", "dynamic_int8"])
def test_quantized_runs_close_and_smaller(exported, generator, quantize):
    x = random_input((1, *SIZE, 3), seed=3, low=-1.0, high=1.0)
    error = np.abs(_run(exported[quantize], x) - reference_translate(generator, x))
    max_error, mean_error = TOLERANCE[quantize]
    assert error.max() < max_error and error.mean() < mean_error, error.max()
    ratio = os.path.getsize(exported[quantize]) / os.path.getsize(exported[None])
    assert ratio < (0.65 if quantize == "float16" else 0.45), ratio


@pytest.mark.parametrize(
    "name, config, size",
    [
        ("unet_128", {"ngf": 4}, 128),  # skip connections
        ("residual_pixelshuffle", {"ngf": 4}, 24),  # depth_to_space
        # A fixed input size (attention): image_size defaults to it.
        ("uvcgan", {"ngf": 4, "n_blocks": 1, "input_shape": (16, 16, 3)}, None),
    ],
)
def test_registry_generators_convert_to_builtin_ops(tmp_path, name, config, size):
    generator = networks.create(name, **config)
    path = export.export_tflite(generator, tmp_path / "g.tflite", image_size=size)
    (inp,) = _interpreter(path).get_input_details()
    x = random_input(tuple(inp["shape"]), seed=5, low=-1.0, high=1.0)
    assert_allclose(_run(path, x), generator(x), atol=1e-4)


def test_bad_arguments_write_nothing(generator, tmp_path):
    path = tmp_path / "g.tflite"
    with pytest.raises(ValueError, match="quantize='int4'"):
        export.export_tflite(generator, path, image_size=16, quantize="int4")
    with pytest.raises(ValueError, match="fixed input size: pass image_size"):
        export.export_tflite(generator, path)
    with pytest.raises(ValueError, match="too small"):
        export.export_tflite(generator, path, image_size=2)
    with pytest.raises(ValueError, match="direction='x'"):
        export.export_tflite(generator, path, image_size=16, direction="x")
    assert not os.listdir(tmp_path)


def test_docstring_examples_run():
    # export_tflite's own example runs in tests/test_docstrings.py.
    run_docstring_examples(run_export.export_files)
    run_docstring_examples(run_export.check_export_flags)


# === keras-gans export --format tflite (in-process: the command's code) ===


def _main(capsys, argv, status):
    """`keras_gans.cli.main(argv)` (the code the command runs) in this
    process: its stdout and the `keras-gans:` lines it wrote on stderr."""
    code = cli.main(argv)
    captured = capsys.readouterr()
    assert code == status, (code, captured.err[-3000:])
    errors = [line for line in captured.err.splitlines() if "keras-gans:" in line]
    return captured.out, errors


def test_cli_exports_tflite(tmp_path, capsys, monkeypatch):
    generator = networks.create("resnet_6blocks", ngf=4, n_blocks=1)
    generator.save(tmp_path / "g.keras")
    monkeypatch.chdir(tmp_path)
    args = ["export", "g.keras", "--format", "tflite", "--image-size", "24"]
    out, _ = _main(capsys, [*args, "--quantize", "float16", "--output", "out"], 0)
    path = tmp_path / "out" / "generator_ab.tflite"
    assert f"Wrote {os.path.join('out', 'generator_ab.tflite')}" in out
    x = random_input((1, 24, 24, 3), seed=4, low=-1.0, high=1.0)
    assert np.abs(_run(str(path), x) - generator(x)).max() < 1e-2
    # Bad combinations: one line each, nothing written.
    onnx = ["export", "g.keras", "--format", "onnx", "--quantize", "float16"]
    assert _main(capsys, [*onnx, "--output", "bad"], 2)[1] == [
        "keras-gans: error: export: --quantize is for --format tflite, not onnx "
        "(see `keras-gans export --help`)"
    ]
    no_size = ["export", "g.keras", "--format", "tflite", "--output", "bad"]
    assert _main(capsys, no_size, 1)[1] == [
        "keras-gans: error: --format tflite runs at one fixed input size: pass "
        "--image-size N"
    ]
    _, again = _main(capsys, [*args, "--output", "out/generator_ab.tflite"], 1)
    assert len(again) == 1 and "--overwrite" in again[0]
    assert not (tmp_path / "bad").exists()
