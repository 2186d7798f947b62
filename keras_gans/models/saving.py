"""What a GAN model or image pool writes to a `.keras` file: its own
variables and the states of its random seed generators.

Keras saves a layer's own variables but not its `SeedGenerator`s' states,
so a reloaded (or `BackupAndRestore`-resumed) image pool would replay its
random draws from the start. `GANModel` and `ImagePool` save and load
through these two functions instead.
"""


def save_variables_and_seeds(layer, store):
    """`Layer.save_own_variables`, plus the states of its `SeedGenerator`s.

    The states are stored after the variables, under the following indices.

    Args:
        layer: `keras.layers.Layer`. The layer being saved.
        store: dict-like. The store Keras hands to `save_own_variables`.

    Example:

    ```python
    import keras
    from keras_gans.models.saving import save_variables_and_seeds

    layer = keras.layers.Dropout(0.5, seed=1)
    store = {}
    save_variables_and_seeds(layer, store)
    sorted(store)  # ['0']: the seed generator's state
    ```
    """
    own = layer._trainable_variables + layer._non_trainable_variables
    for i, variable in enumerate(own):
        store[f"{i}"] = variable
    for j, generator in enumerate(layer._seed_generators):
        store[f"{len(own) + j}"] = generator.state


def load_variables_and_seeds(layer, store):
    """Inverse of `save_variables_and_seeds` (also reads files without seeds).

    Args:
        layer: `keras.layers.Layer`. The layer being loaded.
        store: dict-like. The store Keras hands to `load_own_variables`.

    Raises:
        ValueError: when the store holds neither the variables alone nor the
            variables and the seed states.

    Example:

    ```python
    import keras
    from keras_gans.models.saving import (
        load_variables_and_seeds,
        save_variables_and_seeds,
    )

    layer = keras.layers.Dropout(0.5, seed=1)
    store = {}
    save_variables_and_seeds(layer, store)
    load_variables_and_seeds(layer, store)
    ```
    """
    own = layer._trainable_variables + layer._non_trainable_variables
    seeds = [g.state for g in layer._seed_generators]
    n = len(store.keys())
    if n == len(own) + len(seeds):
        targets = own + seeds
    elif n == len(own):
        targets = own
    else:
        raise ValueError(
            f"Layer {layer.name!r} expected {len(own)} variables (+ "
            f"{len(seeds)} seed states), but the file has {n}."
        )
    for i, variable in enumerate(targets):
        variable.assign(store[f"{i}"])
