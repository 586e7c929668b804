"""Writes tests/data/safetensors/: a file from the json+numpy safetensors
writer (st_io.py, laid out as the reference library lays it out) with every
wick dtype, a 0-d and an empty tensor and metadata, plus each tensor as .npy
(np.save) for the test to compare against.

Run with /usr/bin/python3 (NumPy); outputs are committed.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_io  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "safetensors")


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(7)
    tensors = {
        "weight_f32": rng.standard_normal((3, 5)).astype(np.float32),
        "special_f64": np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, 1.7976931348623157e308]),
        "counts_i64": np.array([[np.iinfo(np.int64).min, -1], [0, np.iinfo(np.int64).max]], dtype=np.int64),
        "pixels_u8": np.arange(0, 256, 17, dtype=np.uint8),
        "mask_bool": np.array([[True, False, True], [False, False, True]]),
        "scalar_f32": np.array(2.5, dtype=np.float32),
        "num_batches_tracked": np.array(42, dtype=np.int64),
        "empty_f64": np.zeros((0, 4), dtype=np.float64),
    }
    meta = {"format": "pt", "epoch": "3", "note": "unicode \u00e9 ok"}
    st_io.save_file(tensors, os.path.join(OUT, "python_mixed.safetensors"), meta)
    for name, a in tensors.items():
        np.save(os.path.join(OUT, "python_mixed." + name + ".npy"), a)
    # The reader in st_io must agree with what it wrote.
    back, m = st_io.load_file(os.path.join(OUT, "python_mixed.safetensors"))
    assert m == meta and list(back) != [] and all(np.array_equal(back[k], v, equal_nan=True) for k, v in tensors.items())
    with open(os.path.join(OUT, "python_mixed.txt"), "w") as f:
        f.write("# name dtype shape, in data-offset order (see make_safetensors_fixtures.py)\n")
        for name in back:
            f.write(f"{name} {back[name].dtype} {list(back[name].shape)}\n")


if __name__ == "__main__":
    main()
