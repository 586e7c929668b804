"""A minimal safetensors reader/writer in json + numpy.

Used when the `safetensors` package is absent (Debian has none). It follows
the format as specified: u64 little-endian header length N, N bytes of JSON
{name: {dtype, shape, data_offsets}, "__metadata__": {str: str}}, then the raw
little-endian data. Like the reference writer it lays the data out by
decreasing item size, then by name, and pads the header with spaces to a
multiple of 8; the JSON keys are sorted by name, so a reader must not assume
that key order is data order.
"""
import json
import struct

import numpy as np

_DTYPES = {
    "F32": np.dtype("<f4"),
    "F64": np.dtype("<f8"),
    "I64": np.dtype("<i8"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
_TAGS = {v: k for k, v in _DTYPES.items()}


def serialize(tensors, metadata=None):
    # (not ascontiguousarray: it turns 0-d arrays into 1-d)
    arrays = {k: np.array(v, order="C") for k, v in tensors.items()}
    order = sorted(arrays, key=lambda k: (-arrays[k].dtype.itemsize, k))
    header, offset = {}, 0
    for name in order:
        a = arrays[name]
        tag = _TAGS[a.dtype.newbyteorder("<") if a.dtype.byteorder == ">" else a.dtype]
        n = a.nbytes
        header[name] = {"dtype": tag, "shape": list(a.shape), "data_offsets": [offset, offset + n]}
        offset += n
    obj = {}
    if metadata:
        obj["__metadata__"] = dict(metadata)
    for name in sorted(header):
        obj[name] = header[name]
    text = json.dumps(obj, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    data = b"".join(arrays[name].astype(arrays[name].dtype.newbyteorder("<")).tobytes() for name in order)
    return struct.pack("<Q", len(text)) + text + data


def save_file(tensors, path, metadata=None):
    with open(path, "wb") as f:
        f.write(serialize(tensors, metadata))


def parse(buf):
    (n,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8 : 8 + n])
    metadata = header.pop("__metadata__", None) or {}
    data = buf[8 + n :]
    out = {}
    for name, info in header.items():  # the header's order (json keeps it)
        dt = _DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        shape = tuple(info["shape"])
        count = int(np.prod(shape, dtype=np.int64))
        assert end - begin == count * dt.itemsize, name
        out[name] = np.frombuffer(data[begin:end], dtype=dt, count=count).reshape(shape).copy()
    return out, metadata


def load_file(path):
    with open(path, "rb") as f:
        return parse(f.read())


def misaligned(path):
    """Names of tensors whose bytes do not start at a multiple of their
    element size in the file (NumPy and PyTorch map only aligned ones)."""
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8 : 8 + n])
    header.pop("__metadata__", None)
    return [name for name, info in header.items()
            if (8 + n + info["data_offsets"][0]) % _DTYPES[info["dtype"]].itemsize != 0]
