"""The package's shared argument checks (`keras_gans._checks`)."""

import numpy as np
import pytest

from keras_gans._checks import check_choice, check_int


@pytest.mark.parametrize(
    "value, kwargs, expected",
    [
        (3, {}, 3),
        (np.int64(7), {}, 7),
        (0, {"minimum": 0}, 0),
        (5, {"minimum": 5}, 5),
        (None, {"allow_none": True}, None),
    ],
)
def test_check_int_returns_a_python_int(value, kwargs, expected):
    result = check_int("n", value, **kwargs)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(
    "value, kwargs, message",
    [
        (0, {}, "`n` must be a positive integer. Received: n=0"),
        (True, {}, "`n` must be a positive integer. Received: n=True"),
        (2.0, {}, "`n` must be a positive integer. Received: n=2.0"),
        ("2", {}, "`n` must be a positive integer. Received: n='2'"),
        (None, {}, "`n` must be a positive integer. Received: n=None"),
        (-1, {"minimum": 0}, "`n` must be a non-negative integer. Received: n=-1"),
        (4, {"minimum": 5}, "`n` must be an integer >= 5. Received: n=4"),
        (0, {"allow_none": True}, "`n` must be a positive integer or None."),
    ],
)
def test_check_int_names_the_argument_and_what_it_expected(value, kwargs, message):
    with pytest.raises(ValueError) as info:
        check_int("n", value, **kwargs)
    assert str(info.value).startswith(message)


def test_check_choice_quotes_the_choices():
    assert check_choice("mode", "a", ("a", "b")) == "a"
    with pytest.raises(ValueError, match=r"one of \('a', 'b'\). Received: mode='c'"):
        check_choice("mode", "c", ("a", "b"))
