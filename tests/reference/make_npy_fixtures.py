#!/usr/bin/python3
"""Writes the .npy fixtures of tests/io/npy_test.cpp with numpy itself.

Run with /usr/bin/python3 (it has numpy):  /usr/bin/python3 tests/reference/make_npy_fixtures.py

Each valid fixture also gets a line in expected.txt, so the C++ test checks
the values it loads against numbers that did not go through wick:
    name dtype ndim dim0 dim1 ... value0 value1 ...
with the values flattened in C order (floats as repr, exact round trip;
bools as 0/1). The arrays are literals (the Fortran ones a shifted arange),
and expected.txt comes from them in C order, so a layout mistake in wick's
Fortran conversion cannot hide behind the file it reads.
"""
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "npy")

# name -> array; every one is saved with np.save (format 1.0, C order).
VALID = {
    "f32_2x3": np.array([[-1.5, 0.0, 0.1], [3.25, 1e-8, 65504.0]], dtype="<f4"),
    "f64_5": np.array([3.141592653589793, -2.718281828459045, 1e300, -0.0, 5e-324], dtype="<f8"),
    "i64_3x2": np.array([[-9223372036854775808, 9223372036854775807], [0, -1], [42, 1 << 40]], dtype="<i8"),
    "u8_4": np.array([0, 1, 127, 255], dtype="|u1"),
    "bool_2x2": np.array([[True, False], [False, True]], dtype="|b1"),
    "f64_scalar": np.array(2.5, dtype="<f8"),
    "f32_empty_0x3": np.zeros((0, 3), dtype="<f4"),
}

# Loaded and converted to C order; the values listed below are the C order.
FORTRAN = {
    "f64_fortran_2x3x4": np.asfortranarray(np.arange(24, dtype="<f8").reshape(2, 3, 4) - 7.5),
    "i64_fortran_3x2": np.asfortranarray(np.array([[1, 2], [3, 4], [5, 6]], dtype="<i8")),
    "u8_fortran_2x3": np.asfortranarray(np.array([[1, 2, 3], [4, 5, 6]], dtype="|u1")),
}

# Written with an explicit format version.
VERSIONED = {
    "u8_v2": (np.array([7, 8, 9], dtype="|u1"), (2, 0)),
    "f32_v3": (np.array([[0.5], [-0.25]], dtype="<f4"), (3, 0)),
}

# Valid numpy files that wick must reject with a clear message.
REJECTED = {
    "f32_bigendian": np.array([1.0, 2.0], dtype=">f4"),
    "i32": np.array([1, 2, 3], dtype="<i4"),
    "c64": np.array([1 + 2j], dtype="<c8"),
}

DTYPE_NAME = {"<f4": "float32", "<f8": "float64", "<i8": "int64", "|u1": "uint8", "|b1": "bool"}


def fmt(x, descr):
    if descr == "|b1":
        return "1" if x else "0"
    if descr in ("<f4", "<f8"):
        return repr(float(x))
    return str(int(x))


def expected_line(name, a):
    a = np.asarray(a)
    descr = a.dtype.str
    flat = a.ravel(order="C")
    fields = [name, DTYPE_NAME[descr], str(a.ndim)] + [str(d) for d in a.shape]
    fields += [fmt(x, descr) for x in flat]
    return " ".join(fields)


def main():
    os.makedirs(OUT, exist_ok=True)
    lines = []
    for name, a in VALID.items():
        np.save(os.path.join(OUT, name + ".npy"), a)
        lines.append(expected_line(name, a))
    for name, a in FORTRAN.items():
        assert a.flags.f_contiguous and not a.flags.c_contiguous
        np.save(os.path.join(OUT, name + ".npy"), a)
        lines.append(expected_line(name, a))
    for name, (a, version) in VERSIONED.items():
        with open(os.path.join(OUT, name + ".npy"), "wb") as f:
            np.lib.format.write_array(f, a, version=version)
        lines.append(expected_line(name, a))
    for name, a in REJECTED.items():
        np.save(os.path.join(OUT, name + ".npy"), a)

    # Self-check: what numpy reads back is what the expected lines say.
    for line in lines:
        name = line.split()[0]
        back = np.load(os.path.join(OUT, name + ".npy"))
        assert expected_line(name, back) == line, name
    with open(os.path.join(OUT, "expected.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total} bytes, to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
