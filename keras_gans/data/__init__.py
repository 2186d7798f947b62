"""Image folders, TFRecords and unpaired domains as fast `tf.data` pipelines.

Images come out as float32 RGB in [-1, 1] (NHWC when batched). Decoding and
augmentation run in parallel `tf.data` maps with prefetching; every file is
checked once before training, so bad files are skipped with a
`BadImageWarning` instead of stopping a run.

Reading images (`image_folder`, and `tfrecords` for its records):

Files are found recursively (JPEG, PNG, BMP, GIF (first frame), WebP) and
read in sorted order. Every image gets 3 channels: gray is repeated, alpha
is composited on white (see `alpha`), palettes are applied, 16-bit PNGs are
reduced to 8 bits. Before anything is returned each file is decoded once
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

from keras_gans.data._decode import decode_rgb
from keras_gans.data._folders import cyclegan_folders, image_folder
from keras_gans.data._paired import paired_folder
from keras_gans.data._preprocess import PREPROCESS_MODES
from keras_gans.data._scan import (
    IMAGE_EXTENSIONS,
    BadImageWarning,
    ScanReport,
    list_image_files,
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
    "decode_rgb",
    "image_folder",
    "list_image_files",
    "paired_folder",
    "scan_images",
    "tfrecords",
    "unpaired",
]
