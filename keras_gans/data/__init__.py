"""Image folders, TFRecords and unpaired domains as fast `tf.data` pipelines.

Images come out as float32 in [-1, 1] (NHWC when batched), RGB unless a
loader's `channels` asks for another count. Decoding and
augmentation run in parallel `tf.data` maps with prefetching; every file is
checked once before training, so bad files are skipped with a
`BadImageWarning` instead of stopping a run.

Reading images (`image_folder`, and `tfrecords` for its records):

Files are found recursively (JPEG, PNG, BMP, GIF (first frame), WebP, TIFF
(first image), NumPy `.npy`) and read in sorted order. Every image gets the
loader's `channels` (default 3): an image with that many is kept as it is
(RGBA keeps its alpha with `channels=4`); 1 (gray), 2 (gray + alpha), 3 (RGB)
and 4 (RGBA) convert into each other (gray is repeated, alpha is composited
on white (see `alpha`) when the result has none, RGB becomes gray by its
BT.601 luma); any other count (multi-band TIFF / .npy) must match, else a
`ValueError` names the file. Palettes are applied. 16-bit PNG and TIFF keep
their 16 bits: a set with such an image is read at 16 bits throughout and
scaled from 65535 (`ScanReport.depth`). Arrays (`.npy`, TIFF) of uint8 or
uint16 are scaled from 255 / 65535; float arrays must already be in
[-1, 1] (a `ValueError` names a file that is not); other dtypes are
refused. Before anything is returned each file is decoded once
(`validate=True`, about 1.5 ms of CPU per 400x300 JPEG): unreadable files
(corrupt, truncated, empty, not an image) are skipped with a
`BadImageWarning` naming each one and a final count, so a bad file never
stops training mid-epoch. A missing folder, or one without a readable image,
raises an error naming the path.

Preprocessing modes (`PREPROCESS_MODES`), following the CycleGAN paper's code:

- `"resize_and_crop"`: resize to `load_size`, random crop `crop_size`
  (the paper: 286 -> 256). `image_size` is the crop size; `load_size`
  defaults to `image_size * 286 / 256` (e.g. 72 for 64).
- `"resize"`: resize to `image_size` (= `load_size`), no crop (the 64x64
  setting of the UVCGAN / DCGAN experiments).
- `"crop"`: random crop `image_size` from the stored size (images smaller
  than the crop are enlarged first).
- `"scale_width"` / `"scale_width_and_crop"`: width to `load_size`,
  aspect ratio kept (height at least the crop), then an optional crop.
- `"none"`: the stored size.

Decoding and augmentation run in parallel `tf.data` maps
(`num_parallel_calls=AUTOTUNE`) followed by `prefetch`, never in the
training step.
"""

from keras_gans.data._decode import decode_pixels, decode_rgb
from keras_gans.data._folders import cyclegan_folders, image_folder
from keras_gans.data._paired import paired_folder
from keras_gans.data._preprocess import PREPROCESS_MODES
from keras_gans.data._scan import (
    IMAGE_EXTENSIONS,
    BadImageWarning,
    ScanReport,
    list_image_files,
    load_image,
    scan_images,
)
from keras_gans.data._tfrecords import tfrecords
from keras_gans.data._unpaired import unpaired

__all__ = [
    "IMAGE_EXTENSIONS",
    "PREPROCESS_MODES",
    "BadImageWarning",
    "ScanReport",
    "cyclegan_folders",
    "decode_pixels",
    "decode_rgb",
    "image_folder",
    "list_image_files",
    "load_image",
    "paired_folder",
    "scan_images",
    "tfrecords",
    "unpaired",
]
