"""Argument checks shared by every part of the package.

One wording for one kind of bad argument, wherever it is caught. This module
imports nothing of keras_gans (nor Keras or TensorFlow), so any part of the
package may use it.
"""

import numbers


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


def check_int(name, value, minimum=1, allow_none=False):
    """Return `value` as an int, or raise a `ValueError` quoting it.

    Accepts Python and NumPy integers (not booleans) of at least `minimum`,
    and None where `allow_none`. The message says what was expected:
    "a positive integer" (minimum 1), "a non-negative integer" (0), else
    "an integer >= minimum"; "or None" is added where None is allowed.

    Args:
        name: str. The argument's name, as the caller spells it.
        value: The value received.
        minimum: int. The smallest valid value.
        allow_none: bool. Whether None is valid (returned as None).

    Returns:
        `int(value)`, or None.

    Example:
    ```python
    from keras_gans._checks import check_int

    print(check_int("ngf", 16))  # 16
    try:
        check_int("n_blocks", -1, minimum=0)
    except ValueError as error:
        print(error)
    # `n_blocks` must be a non-negative integer. Received: n_blocks=-1
    ```
    """
    if value is None and allow_none:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < minimum
    ):
        what = {1: "a positive integer", 0: "a non-negative integer"}.get(
            minimum, f"an integer >= {minimum}"
        )
        what += " or None" if allow_none else ""
        raise ValueError(f"`{name}` must be {what}. Received: {name}={value!r}")
    return int(value)
