"""Argument checks shared by the layers, the networks and the data package.

One wording for one kind of bad argument, wherever it is caught. This module
imports nothing of keras_gans (nor Keras or TensorFlow), so any part of the
package may use it.
"""


def check_choice(name, value, choices):
    """Return `value`, or raise a `ValueError` quoting it if not in `choices`.

    Args:
        name: str. The argument's name, as the caller spells it.
        value: The value received.
        choices: The valid values (any container; shown as a tuple).

    Returns:
        `value`, unchanged.

    Example:
    ```python
    from keras_gans._checks import check_choice

    print(check_choice("padding", "reflect", ("zero", "reflect")))  # reflect
    try:
        check_choice("padding", "same", ("zero", "reflect"))
    except ValueError as error:
        print(error)
    # `padding` must be one of ('zero', 'reflect'). Received: padding='same'
    ```
    """
    if value not in choices:
        raise ValueError(
            f"`{name}` must be one of {tuple(choices)}. Received: {name}={value!r}"
        )
    return value
