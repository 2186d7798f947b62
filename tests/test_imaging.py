"""Image utilities of keras_gans.imaging: `make_grid` and the range conversions."""

import contextlib
import inspect
import io
import re

import numpy as np
import pytest

from keras_gans.imaging import make_grid, to_uint8

ROW_LABELS = ["a", "G(a)", "F(G(a))", "b", "F(b)", "G(F(b))"]


def random_rows(n_rows=6, n=2, h=32, w=32, c=3, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (n, h, w, c)).astype("uint8") for _ in range(n_rows)]


def plain_tiling(rows, padding=2, pad_value=255):
    """The tiling `make_grid` did before labels and upscaling existed."""
    rows = [np.asarray(r if r.dtype == np.uint8 else to_uint8(r)) for r in rows]
    n, h, w, c = rows[0].shape
    p = padding
    grid = np.full((len(rows) * (h + p) - p, n * (w + p) - p, c), pad_value, "uint8")
    for i, r in enumerate(rows):
        for j in range(n):
            grid[i * (h + p) : i * (h + p) + h, j * (w + p) : j * (w + p) + w] = r[j]
    return grid


def tile(grid, rows, i, j, h, w, padding=2):
    """Tile `(i, j)` of `grid`, found at the offsets `make_grid` documents."""
    n = rows[0].shape[0]
    top = grid.shape[0] - (len(rows) * (h + padding) - padding)
    left = grid.shape[1] - (n * (w + padding) - padding)
    y, x = top + i * (h + padding), left + j * (w + padding)
    return grid[y : y + h, x : x + w]


def checker(h, w, c=3):
    """A checker pattern of distinct values, so that blocks can be told apart."""
    yy, xx = np.mgrid[0:h, 0:w]
    values = ((yy * 7 + xx * 13) % 251).astype("uint8")
    values[(yy + xx) % 2 == 0] = 255 - values[(yy + xx) % 2 == 0]
    return np.repeat(values[..., None], c, axis=-1)


def margin_mask(grid, body_shape):
    """True on the label margins (outside the bottom-right tiling)."""
    mask = np.ones(grid.shape[:2], bool)
    mask[grid.shape[0] - body_shape[0] :, grid.shape[1] - body_shape[1] :] = False
    return mask


# === Without the new arguments ===


@pytest.mark.parametrize("kwargs", [{}, {"padding": 0}, {"padding": 5, "pad_value": 0}])
def test_default_output_unchanged(kwargs):
    rows = random_rows(n_rows=2, n=3, h=8, w=8)
    grid = make_grid(rows, **kwargs)
    np.testing.assert_array_equal(grid, plain_tiling(rows, **kwargs))
    assert grid.dtype == np.uint8
    p = kwargs.get("padding", 2)
    assert grid.shape == (2 * (8 + p) - p, 3 * (8 + p) - p, 3)


def test_default_output_unchanged_for_floats():
    rows = [np.linspace(-1, 1, 2 * 5 * 4 * 3).reshape(2, 5, 4, 3)] * 3
    grid = make_grid(rows)
    assert grid.shape == (3 * 7 - 2, 2 * 6 - 2, 3)
    np.testing.assert_array_equal(grid, plain_tiling(rows))


# === min_tile ===


def test_min_tile_upscales_with_nearest_neighbour():
    image = checker(32, 32)
    grid = make_grid([image[None]], min_tile=96)
    assert grid.shape == (96, 96, 3)  # factor 3: 32 * 3 >= 96
    blocks = grid.reshape(32, 3, 32, 3, 3)
    for dy in range(3):
        for dx in range(3):
            np.testing.assert_array_equal(blocks[:, dy, :, dx], image)


def test_min_tile_factor_is_the_smallest_integer_from_the_shorter_side():
    rows = [np.stack([checker(20, 30)] * 2)] * 3
    # min(20, 30) * 5 = 100 >= 96 (4 gives 80): tiles of 100 x 150
    grid = make_grid(rows, min_tile=96)
    assert grid.shape == (3 * 102 - 2, 2 * 152 - 2, 3)
    upscaled = checker(20, 30).repeat(5, axis=0).repeat(5, axis=1)
    np.testing.assert_array_equal(tile(grid, rows, 2, 1, 100, 150), upscaled)
    # tiles already large enough are left as they are
    np.testing.assert_array_equal(make_grid(rows, min_tile=20), make_grid(rows))
    np.testing.assert_array_equal(make_grid(rows, min_tile=1), make_grid(rows))


@pytest.mark.parametrize("min_tile", [0, -96, 96.0, True, "96"])
def test_min_tile_must_be_a_positive_int(min_tile):
    with pytest.raises(ValueError, match=re.escape(f"min_tile={min_tile!r}")):
        make_grid(random_rows(n_rows=1), min_tile=min_tile)


# === Labels ===


def test_labels_add_margins_and_keep_the_tiles_intact():
    rows = random_rows()
    body = make_grid(rows, min_tile=96)
    assert body.shape == (6 * 98 - 2, 2 * 98 - 2, 3)
    grid = make_grid(
        rows, row_labels=ROW_LABELS, col_labels=["real", "fake"], min_tile=96
    )
    top, left = grid.shape[0] - body.shape[0], grid.shape[1] - body.shape[1]
    assert top > 0 and left > 0
    # the tiling sits unchanged in the bottom-right corner
    np.testing.assert_array_equal(grid[top:, left:], body)
    upscaled = rows[5][1].repeat(3, axis=0).repeat(3, axis=1)
    np.testing.assert_array_equal(grid[-96:, -96:], upscaled)
    np.testing.assert_array_equal(tile(grid, rows, 5, 1, 96, 96), upscaled)
    np.testing.assert_array_equal(
        tile(grid, rows, 0, 0, 96, 96), rows[0][0].repeat(3, 0).repeat(3, 1)
    )


def test_each_kind_of_label_adds_only_its_margin():
    rows = random_rows()
    body = make_grid(rows)
    only_rows = make_grid(rows, row_labels=ROW_LABELS)
    assert only_rows.shape[0] == body.shape[0] and only_rows.shape[1] > body.shape[1]
    only_cols = make_grid(rows, col_labels=["x", "y"])
    assert only_cols.shape[1] == body.shape[1] and only_cols.shape[0] > body.shape[0]
    # margins are sized from the measured text: a longer label, a wider margin
    short = make_grid(rows, row_labels=["a"] * 6)
    assert short.shape[1] < only_rows.shape[1]


def test_labels_draw_dark_text_on_the_pad_colour():
    rows = random_rows()
    grid = make_grid(rows, row_labels=ROW_LABELS, col_labels=["x", "y"], min_tile=96)
    margin = grid[margin_mask(grid, (6 * 98 - 2, 2 * 98 - 2))]
    assert (margin != 255).any()  # something is drawn
    assert (margin < 64).any()  # in black
    assert (margin == 255).mean() > 0.5  # on the white pad colour
    # gray text: the same value on every channel
    np.testing.assert_array_equal(margin[:, 0], margin[:, 1])
    np.testing.assert_array_equal(margin[:, 0], margin[:, 2])


def test_labels_are_light_on_a_dark_pad_colour():
    rows = random_rows()
    grid = make_grid(rows, row_labels=ROW_LABELS, pad_value=0)
    margin = grid[margin_mask(grid, make_grid(rows, pad_value=0).shape)]
    assert (margin > 192).any() and (margin == 0).mean() > 0.5


def test_empty_labels_draw_nothing():
    rows = random_rows()
    grid = make_grid(rows, row_labels=["a"] + [""] * 5)
    top_row_band = grid[:32, : grid.shape[1] - (2 * 34 - 2)]
    assert (top_row_band != 255).any()
    rest = grid[34:, : grid.shape[1] - (2 * 34 - 2)]
    assert (rest == 255).all()


def test_grayscale_grid():
    rows = random_rows(c=1)
    body = make_grid(rows, min_tile=96)
    grid = make_grid(rows, row_labels=ROW_LABELS, col_labels=["x", "y"], min_tile=96)
    assert grid.ndim == 3 and grid.shape[-1] == 1 and grid.dtype == np.uint8
    np.testing.assert_array_equal(grid[-body.shape[0] :, -body.shape[1] :], body)
    assert (grid[margin_mask(grid, body.shape)] < 64).any()


def test_rgba_rows_are_composited_on_white():
    rows = random_rows(n_rows=2, c=4)
    body = make_grid(rows)
    grid = make_grid(rows, row_labels=["a", "b"], col_labels=["x", "y"])
    assert grid.shape[-1] == 3 and body.shape[-1] == 3
    np.testing.assert_array_equal(grid[-body.shape[0] :, -body.shape[1] :], body)
    assert (grid[margin_mask(grid, body.shape)] < 64).any()
    # Transparent pixels show white, opaque ones their colour.
    pixels = np.zeros((1, 2, 2, 4), "uint8")
    pixels[0, 0, 0] = (10, 20, 30, 255)
    tile = make_grid([pixels])
    np.testing.assert_array_equal(tile[0, 0], (10, 20, 30))
    np.testing.assert_array_equal(tile[1, 1], (255, 255, 255))


def test_one_and_six_channel_rows_share_a_grid():
    gray = random_rows(n_rows=1, c=1)[0]
    bands = random_rows(n_rows=1, c=6)[0]
    alone = make_grid([gray, gray])
    assert alone.shape[-1] == 1  # all grey: a grey grid
    grid = make_grid([gray, bands])  # a 1 -> 6 channel translation
    assert grid.shape[-1] == 3
    h, w = gray.shape[1:3]
    first, second = grid[:h, :w], grid[h + 2 : 2 * h + 2, :w]
    expected_gray = make_grid([gray[:1]])
    np.testing.assert_array_equal(first, np.repeat(expected_gray, 3, axis=-1))
    np.testing.assert_array_equal(second, make_grid([bands[:1, ..., :3]]))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"row_labels": ["a", "b", "c"]}, "`row_labels`.*6 rows.*3 labels"),
        ({"col_labels": ["x"]}, "`col_labels`.*2 columns.*1 labels"),
        ({"col_labels": ["x", "y", "z"]}, "`col_labels`.*2 columns.*3 labels"),
        ({"row_labels": "abcdef"}, "`row_labels` must be a list of str"),
        ({"col_labels": [1, 2]}, "`col_labels` must be a list of str"),
    ],
)
def test_bad_labels_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_grid(random_rows(), **kwargs)


# === Docstring example ===


def test_docstring_example_runs_and_prints_its_comments():
    (code,) = re.findall(r"```python\n(.*?)```", inspect.getdoc(make_grid), re.S)
    expected = [
        line.split("#", 1)[1].strip()
        for line in code.splitlines()
        if line.lstrip().startswith("print(") and "#" in line
    ]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<make_grid example>", "exec"), {})
    assert [line.strip() for line in out.getvalue().splitlines()] == expected


@pytest.mark.parametrize("channels, mode", [(1, "L"), (6, "RGB"), (4, "RGB")])
def test_sample_grid_logger_writes_grey_or_rgb(tmp_path, channels, mode):
    from PIL import Image

    from keras_gans.callbacks import SampleGridLogger

    images = random_rows(n_rows=1, c=channels)[0]
    logger = SampleGridLogger(
        images,
        log_dir=str(tmp_path),
        tensorboard=False,
        grid_fn=lambda model, x: make_grid([x]) if channels == 1 else x[0],
    )
    logger.on_train_begin()
    logger.on_epoch_end(0)
    with Image.open(tmp_path / "epoch_0001.png") as grid:
        assert grid.mode == mode
        pixels = np.asarray(grid)
    if channels == 6:  # the first three bands
        np.testing.assert_array_equal(pixels, images[0, ..., :3])
