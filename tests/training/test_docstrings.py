"""The `Example:` of every public object of keras_gans.training (and set_seed) runs."""

import inspect
import re

import pytest
from tensorflow.python.framework import config as tf_config

import keras_gans
from keras_gans import training, utils

PUBLIC = [(training, name) for name in sorted(training.__all__)]
PUBLIC.append((utils, "set_seed"))
PUBLIC.append((utils, "configure_threads"))
PUBLIC.append((utils, "configure_allocator"))
PUBLIC.append((utils, "uses_bfc_allocator"))
PUBLIC.append((utils, "onednn_enabled"))
# `train`'s example trains a CycleGAN (~10 s to trace): it is only compiled
# here. `train` on a CycleGAN runs in test_kill.py (through `keras-gans train`)
# and on a small model in test_fit.py.
COMPILE_ONLY = {"train"}


@pytest.fixture(autouse=True)
def _restore_op_determinism():
    was_enabled = tf_config.is_op_determinism_enabled()
    yield
    if not was_enabled:
        tf_config.disable_op_determinism()


def test_package_exports():
    assert "training" in keras_gans.__all__ and keras_gans.training is training
    assert "utils" in keras_gans.__all__ and keras_gans.utils is utils


@pytest.mark.parametrize("module, name", PUBLIC, ids=[n for _, n in PUBLIC])
def test_docstring_has_args_and_a_runnable_example(module, name, tmp_path, monkeypatch):
    obj = getattr(module, name)
    doc = obj.__doc__
    assert doc and "Example:" in doc, f"{name}: no Example"
    if not callable(obj) or inspect.signature(obj).parameters:
        assert "Args:" in doc, f"{name}: no Args"
    blocks = re.findall(r"```python\n(.*?)```", doc, flags=re.S)
    assert len(blocks) == 1, f"{name}: expected one ```python example"
    lines = blocks[0].splitlines()
    indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    code = compile(
        "\n".join(line[indent:] for line in lines), f"<{name} example>", "exec"
    )
    if name not in COMPILE_ONLY:
        monkeypatch.chdir(tmp_path)
        exec(code, {})
