"""Every `Example:` block of the public API runs.

One test over the whole public surface: each package listed in
`keras_gans.__all__`, each name in its `__all__` (or its public attributes),
and the public methods of public classes. A `print(...)  # text` line must
print `text` (`...` in the comment matches anything). Blocks that train
for long are compiled only (`COMPILE_ONLY`, each with the test that runs
the same code for real).
"""

import contextlib
import inspect
import io
import re
import tempfile
import types

import pytest

import keras_gans

_BLOCK = re.compile(r"```python\n(.*?)```", re.S)

#: Examples compiled but not run, with where the same code runs for real.
COMPILE_ONLY = {
    # trains a CycleGAN to completion: tests/training/test_kill.py, test_fit.py
    "keras_gans.training.fit.train",
    # a whole run: tests/test_runs.py (the docs example), tests/cli/test_cli.py
    "keras_gans.runs.train.train",
    # keras-gans pretrain: tests/cli/test_cli.py::test_pretrain_then_train_...
    "keras_gans.runs.train.pretrain",
    # InceptionV3 features: tests/cli/test_cli.py::test_evaluate_writes_fid_and_kid
    "keras_gans.runs.evaluate.evaluate",
}


def _public_names(module):
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    return names


def _ours(obj):
    return (getattr(obj, "__module__", "") or "").startswith("keras_gans")


def _documented():
    """(id, object) for every public object of ours that has an `Example:`."""
    found = {}
    modules = [keras_gans] + [
        getattr(keras_gans, n)
        for n in keras_gans.__all__
        if isinstance(getattr(keras_gans, n), types.ModuleType)
    ]
    for module in modules:
        for name in _public_names(module):
            obj = getattr(module, name, None)
            if obj is None or isinstance(obj, types.ModuleType) or not _ours(obj):
                continue
            candidates = [(f"{obj.__module__}.{obj.__qualname__}", obj)]
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    member = getattr(member, "__func__", member)
                    if isinstance(member, property):
                        member = member.fget
                    if not attr.startswith("_") and callable(member):
                        candidates.append(
                            (f"{obj.__module__}.{member.__qualname__}", member)
                        )
            for key, item in candidates:
                # Its own docstring only (not one inherited from Keras).
                if "Example" in (item.__doc__ or "") and key not in found:
                    found[key] = item
    return sorted(found.items())


DOCUMENTED = _documented()


def _code(obj):
    blocks = _BLOCK.findall(inspect.getdoc(obj) or "")
    return [inspect.cleandoc("\n" + b) if b.startswith(" ") else b for b in blocks]


def _expected_prints(code):
    return [
        line.split("#", 1)[1].strip()
        for line in code.splitlines()
        if line.lstrip().startswith("print(") and "#" in line
    ]


def _matches(printed, comment):
    """Whether `comment` states what was `printed`.

    The comment is the printed text (`...` matching anything), optionally
    followed by an explanation after `,` `;` `:` or ` (`, or preceded by a
    derivation ending in `= `; a comment starting with "about" is a rough
    figure and is not compared.
    """
    if comment.startswith(("about", "~")):
        return True
    pattern = ".*".join(re.escape(part) for part in comment.split("..."))
    if re.fullmatch(pattern, printed):
        return True
    if comment.endswith("= " + printed):
        return True
    return any(comment.startswith(printed + sep) for sep in (",", ";", ":", " ("))


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Examples write files: give each a fresh folder; undo registrations
    (conftest undoes op determinism)."""
    from keras_gans import networks

    registered = set(networks.list_networks())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    yield
    for name in set(networks.list_networks()) - registered:
        networks.unregister_network(name)  # examples register their own


def test_the_public_api_is_covered():
    """The walk finds the models' and the packages' examples (not vacuous)."""
    keys = {key for key, _ in DOCUMENTED}
    for key in [
        "keras_gans.models.cyclegan.CycleGAN",
        "keras_gans.models.dcgan.DCGAN",
        "keras_gans.imaging.make_grid",
        "keras_gans.losses.LSGAN",
    ]:
        assert key in keys, f"{key} has no Example found by the walk"
    assert len(keys) > 80


@pytest.mark.parametrize("key, obj", DOCUMENTED, ids=[k for k, _ in DOCUMENTED])
def test_example_runs_and_prints_what_its_comments_say(key, obj):
    blocks = _code(obj)
    assert blocks, f"{key}: `Example:` without a ```python block"
    for i, code in enumerate(blocks):
        compiled = compile(code, f"<{key} example {i}>", "exec")
        if key in COMPILE_ONLY:
            continue
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compiled, {"__name__": "__example__"})
        printed = [line.strip() for line in out.getvalue().splitlines()]
        expected = _expected_prints(code)
        if expected and len(printed) == len(expected):
            for got, want in zip(printed, expected, strict=True):
                assert _matches(got, want), f"{key}: printed {got!r}, comment {want!r}"


#: Public names that are not functions to call with arguments: warning
#: classes and plain records (their fields are documented in their class).
NO_EXAMPLE = {"keras_gans.data.BadImageWarning", "keras_gans.data.ScanReport"}


def _public_callables():
    for package in keras_gans.__all__:
        module = getattr(keras_gans, package)
        if not isinstance(module, types.ModuleType):
            continue
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name, None)
            if callable(obj) and _ours(obj) and not isinstance(obj, types.ModuleType):
                yield f"keras_gans.{package}.{name}", obj


PUBLIC_CALLABLES = sorted(dict(_public_callables()).items())


@pytest.mark.parametrize(
    "key, obj", PUBLIC_CALLABLES, ids=[k for k, _ in PUBLIC_CALLABLES]
)
def test_every_public_callable_has_a_summary_args_and_an_example(key, obj):
    if key in NO_EXAMPLE:
        return
    doc = inspect.getdoc(obj) or ""
    assert doc, f"{key} has no docstring"
    summary = doc.split("\n\n")[0].rstrip()
    assert summary.endswith("."), f"{key}: no summary sentence before the details"
    assert "Example:" in doc, f"{key} has no `Example:`"
    try:
        parameters = inspect.signature(obj).parameters
    except (TypeError, ValueError):
        parameters = {}
    if any(p not in ("self", "args", "kwargs") for p in parameters):
        assert "Args:" in doc, f"{key} takes arguments but has no `Args:`"
