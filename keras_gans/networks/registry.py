"""A registry of named generator and discriminator builders (timm-style).

Every network family module registers its builders here with
`register_network`; `create(name, **overrides)` builds one by name.
"""

import dataclasses
import inspect

KINDS = ("generator", "discriminator")

_REGISTRY = {}


@dataclasses.dataclass(frozen=True)
class NetworkInfo:
    """What the registry knows about one named network.

    Args:
        name: str. The registered name, e.g. `"resnet_9blocks"`.
        kind: str. `"generator"` or `"discriminator"`.
        source: str. Where the architecture comes from (paper or seed).
        description: str. A one-line description of the network and its use.
        builder: callable. The function that builds the `keras.Model`.
        defaults: dict. Keyword arguments the name binds on top of the
            builder's own defaults.
        shape_fn: callable or None. `shape_fn(config)` -> the
            `NetworkShape` of the network that `builder(**config)` builds
            (stride, minimum size, channels), read by `shape(**overrides)`.
            Defaults to `None` (unknown).
        test_config: dict. Small overrides for tests (timm style: e.g.
            `ngf=8`) that keep the network fast on a CPU. Defaults to `{}`.
        test_input_shape: tuple or None. An input shape (batch excluded) to
            run the test config on, e.g. `(32, 32, 3)`. Defaults to `None`.

    Example:

    ```python
    from keras_gans.networks import NetworkInfo, resnet_generator

    info = NetworkInfo(
        "resnet_2blocks", "generator", "example", "two blocks",
        resnet_generator, {"n_blocks": 2},
    )
    info.config()["n_blocks"]  # 2
    ```
    """

    name: str
    kind: str
    source: str
    description: str
    builder: object
    defaults: dict
    shape_fn: object = None
    test_config: dict = dataclasses.field(default_factory=dict)
    test_input_shape: tuple | None = None

    def config(self, **overrides):
        """The full keyword configuration `create(name, **overrides)` uses."""
        params = inspect.signature(self.builder).parameters
        config = {
            key: p.default
            for key, p in params.items()
            if p.default is not inspect.Parameter.empty
        }
        config.update(self.defaults)
        if "name" in config:
            config["name"] = self.name
        config.update(overrides)
        return config

    def shape(self, **overrides):
        """The `NetworkShape` of `create(name, **overrides)`, without building it.

        Args:
            **overrides: keyword arguments as for `create` (e.g.
                `n_downsampling=3`, `input_shape=(None, None, 1)`).

        Returns:
            A `keras_gans.networks.NetworkShape`: stride, minimum input size,
            input / output channels and fixed size, the same as
            `shape_of(create(name, **overrides))`.
        """
        if self.shape_fn is None:
            raise ValueError(
                f"Network {self.name!r} registers no shape facts (no `shape=` in "
                "register_network): use `networks.shape_of(networks.create(...))`."
            )
        return self.shape_fn(self.config(**overrides))

    def __getitem__(self, key):
        """Dict-style access to `name`, `kind`, `source`, `description`,
        `builder` (the builder's qualified name) and `config` (kept for code
        written against the dict that `get_network_info` used to return)."""
        if key == "config":
            return self.config()
        if key == "builder":
            return f"{self.builder.__module__}.{self.builder.__name__}"
        if key in ("name", "kind", "source", "description"):
            return getattr(self, key)
        raise KeyError(key)


def register_network(
    name,
    kind,
    source,
    description,
    *,
    defaults=None,
    shape=None,
    test_config=None,
    test_input_shape=None,
):
    """Register a network builder under `name` (usable as a decorator).

    The builder is a function of keyword arguments that returns a
    `keras.Model`. The same builder may be registered under several names
    with different `defaults` (e.g. `resnet_9blocks` / `resnet_6blocks`).
    Every built-in builder takes `dtype=` (a dtype policy for its layers);
    user builders need not.

    Args:
        name: str. The unique name used by `create`.
        kind: str. `"generator"` or `"discriminator"`.
        source: str. The paper or seed the architecture follows.
        description: str. A one-line description (shown in the docs table).
        defaults: dict or None. Keyword arguments bound by this name;
            `create(name, **overrides)` overrides them. Defaults to `None`.
        shape: callable or None. `shape(config)` -> `NetworkShape` from the
            builder's full keyword config, for `get_network_info(name).shape()`.
            Defaults to `None`.
        test_config: dict or None. Small overrides the registry-wide tests
            build the network with. Defaults to `None` (the defaults).
        test_input_shape: tuple or None. The input shape (batch excluded)
            the tests run it on. Defaults to `None`.

    Returns:
        A decorator that registers the builder and returns it unchanged.

    Example:

    ```python
    import keras
    from keras_gans import networks

    @networks.register_network(
        "tiny_generator", kind="generator", source="example",
        description="A 1x1 conv with tanh.",
    )
    def tiny_generator(channels=3, name="tiny_generator"):
        x = keras.Input((None, None, channels))
        y = keras.layers.Conv2D(channels, 1, activation="tanh")(x)
        return keras.Model(x, y, name=name)

    model = networks.create("tiny_generator")
    ```
    """
    _check_new_name(name, kind)
    defaults = dict(defaults or {})

    def decorator(builder):
        _check_builder(name, builder, defaults)
        _REGISTRY[name] = NetworkInfo(
            name,
            kind,
            source,
            description,
            builder,
            defaults,
            shape_fn=shape,
            test_config=dict(test_config or {}),
            test_input_shape=test_input_shape,
        )
        return builder

    return decorator


def _check_new_name(name, kind):
    if not isinstance(name, str) or not name:
        raise ValueError(f"`name` must be a non-empty string. Received: name={name!r}")
    if kind not in KINDS:
        raise ValueError(f"`kind` must be one of {KINDS}. Received: kind={kind!r}")
    if name in _REGISTRY:
        raise ValueError(
            f"A network named {name!r} is already registered "
            f"(by {_REGISTRY[name].builder.__module__}."
            f"{_REGISTRY[name].builder.__name__})."
        )


def _check_builder(name, builder, defaults):
    if not callable(builder):
        raise TypeError(
            f"The builder for {name!r} must be callable. Received: {builder!r}"
        )
    params = inspect.signature(builder).parameters
    unknown = sorted(set(defaults) - set(params))
    if unknown:
        raise ValueError(
            f"`defaults` for {name!r} name arguments that "
            f"{builder.__name__}() does not accept: {unknown}"
        )


def unregister_network(name):
    """Remove a registered network (mainly for tests of user registrations).

    Args:
        name: str. A registered name.

    Example:

    ```python
    from keras_gans import networks

    networks.register_network("tmp", "generator", "example", "temporary")(
        lambda **kw: None
    )
    networks.unregister_network("tmp")
    ```
    """
    _check_name(name)
    del _REGISTRY[name]


def list_networks(kind=None):
    """The sorted names of the registered networks, optionally of one kind.

    Args:
        kind: str or None. `"generator"`, `"discriminator"` or `None` for
            all. Defaults to `None`.

    Returns:
        A sorted list of names.

    Example:

    ```python
    from keras_gans import networks

    networks.list_networks("discriminator")  # ['dcgan_discriminator', ...]
    ```
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(
            f"`kind` must be one of {KINDS} or None. Received: kind={kind!r}"
        )
    return sorted(
        n for n, info in _REGISTRY.items() if kind is None or info.kind == kind
    )


def get_network_info(name):
    """The registry entry of `name`: kind, source, config and shape facts.

    Args:
        name: str. A registered name.

    Returns:
        The `NetworkInfo`: attributes `name`, `kind`, `source`,
        `description`, `builder`, `defaults`, `test_config`,
        `test_input_shape`; `config(**overrides)` (the keyword arguments
        `create(name, **overrides)` uses) and `shape(**overrides)` (its
        `NetworkShape`). `info["config"]` etc. still work as on the dict
        this function used to return.

    Example:

    ```python
    from keras_gans import networks

    info = networks.get_network_info("resnet_9blocks")
    info.config()["n_blocks"]  # 9
    info.shape(n_downsampling=3).stride  # 8
    ```
    """
    return _check_name(name)


def create(name, /, **overrides):
    """Build the registered network `name` as a functional `keras.Model`.

    Args:
        name: str. A registered name (see `list_networks()`).
        **overrides: keyword arguments passed to the builder on top of the
            name's defaults (e.g. `ngf=32`, `input_shape=(128, 128, 3)`,
            `spectral_norm=True`, `dtype="mixed_bfloat16"`: the dtype
            policy of every layer, `None` for the global one). The model
            name defaults to `name`; pass `name=...` to change it.

    Returns:
        A `keras.Model`.

    Example:

    ```python
    from keras_gans import networks

    generator = networks.create("resnet_6blocks", ngf=8)
    discriminator = networks.create("patchgan", ndf=8, spectral_norm=True)
    ```
    """
    info = _check_name(name)
    params = inspect.signature(info.builder).parameters
    accepts_var_kw = any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()
    )
    unknown = sorted(set(overrides) - set(params))
    if unknown and not accepts_var_kw:
        valid = sorted(k for k, p in params.items() if p.kind is not p.VAR_KEYWORD)
        raise ValueError(
            f"Unknown argument(s) {unknown} for network {name!r} "
            f"({info.builder.__name__}). Valid arguments: {valid}"
        )
    kwargs = dict(info.defaults)
    if "name" in params:
        kwargs["name"] = name
    kwargs.update(overrides)
    return info.builder(**kwargs)


def _check_name(name):
    if name not in _REGISTRY:
        raise ValueError(
            f"Unknown network name: {name!r}. Valid names: {sorted(_REGISTRY)}"
        )
    return _REGISTRY[name]
