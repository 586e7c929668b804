#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/<target>/: small valid files of
each kind plus a few invalid ones (truncated, wrong magic, lying sizes).
Needs only the Python standard library (and NumPy for the .npy seeds when
/usr/bin/python3 has it). Run from anywhere: python3 fuzz/make_seeds.py"""
import gzip, io, json, os, struct, zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def idx(dims, payload=None):
    body = bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims)
    n = 1
    for d in dims:
        n *= d
    return body + (payload if payload is not None else bytes(i * 37 % 256 for i in range(n)))


def gz(b):
    return gzip.compress(b, mtime=0)


labels = idx([3], bytes([1, 7, 9]))
images = idx([3, 4, 4])
# --- idx: byte 0 = expected dims selector (0: any, 1: labels, 2: images)
put("idx", "labels", b"\x01" + labels)
put("idx", "images", b"\x02" + images)
put("idx", "any-2d", b"\x00" + idx([2, 5]))
put("idx", "truncated", b"\x02" + images[:-3])
put("idx", "wrong-magic", b"\x00" + b"\x00\x00\x0d\x03" + images[4:])
put("idx", "huge-dims", b"\x00" + bytes([0, 0, 8, 3]) + struct.pack(">III", 60000, 0xFFFFFFF0, 0xFFFFFFF0))
put("idx", "trailing", b"\x01" + labels + b"xyz")
# --- idx_gz: byte 0 bit 0 = gzip the rest here; bits 1-2 = dims selector
put("idx_gz", "labels-raw-gz", b"\x02" + gz(labels))
put("idx_gz", "images-raw-gz", b"\x04" + gz(images))
put("idx_gz", "images-compress", b"\x05" + images)
put("idx_gz", "truncated-gz", b"\x04" + gz(images)[:-6])
put("idx_gz", "two-members", b"\x00" + gz(labels[:6]) + gz(labels[6:]))
bad = bytearray(gz(labels))
bad[-4:] = struct.pack("<I", 0xFFFFFFF0)  # lying size trailer
# Found by the fuzzer (gunzip reserves the trailer's size up front): kept as a
# regression, not a seed, so the fuzzer is not stopped by it at once.
os.makedirs(os.path.join(HERE, "regressions", "idx_gz"), exist_ok=True)
with open(os.path.join(HERE, "regressions", "idx_gz", "lying-isize"), "wb") as f:
    f.write(b"\x00" + bytes(bad))
# --- mnist: 2-byte big-endian labels length, labels file, images file
put("mnist", "ok", struct.pack(">H", len(labels)) + labels + images)
put("mnist", "count-mismatch", struct.pack(">H", len(labels)) + labels + idx([2, 4, 4]))
put("mnist", "bad-label", struct.pack(">H", len(labels)) + idx([3], bytes([1, 12, 3])) + images)
# --- cifar10: 1-byte meta length, batches.meta.txt, test_batch.bin
rec = lambda label: bytes([label]) + bytes(i * 11 % 256 for i in range(3072))
meta = b"a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n"
put("cifar10", "two-records", bytes([len(meta)]) + meta + rec(3) + rec(9))
put("cifar10", "no-meta", b"\x00" + rec(0))
put("cifar10", "bad-label", b"\x00" + rec(10))
put("cifar10", "partial-record", b"\x00" + rec(1)[:3000])
# --- csv: byte 0 = mode (bits 0-1 task, bit 2 ';', bit 3 features a,b)
put("csv", "regression", b"\x02" + b"a,b,y\n1,2,3.5\n4, 5 ,6e-1\n-1,0,7\n")
put("csv", "classes", b"\x00" + b'a,b,y\n1,2,cat\n3,4,"dog, big"\n5,6,cat\n')
put("csv", "semicolon-features", b"\x0d" + b"a;c;b;y\n1;9;2;0\n3;9;4;1\n")
put("csv", "ragged", b"\x00" + b"a,b,y\n1,2\n3,4,5,6\n")
put("csv", "no-target", b"\x00" + b"a,b\n1,2\n")
put("csv", "quoted", b"\x01" + b'"a","b","y"\n"1","2","""x"""\n\n"3","4","y"\n')
put("csv", "nan-inf", b"\x02" + b"a,b,y\nnan,inf,1\n1,2,-inf\n")
# --- npy
def npy(descr, shape, payload, order=False, version=1):
    h = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, order, repr(tuple(shape)))
    pre = 10 if version == 1 else 12
    pad = (-(pre + len(h) + 1)) % 64
    h = (h + " " * pad + "\n").encode()
    lenfield = struct.pack("<H", len(h)) if version == 1 else struct.pack("<I", len(h))
    return b"\x93NUMPY" + bytes([version, 0]) + lenfield + h + payload
put("npy", "f32-2x3", npy("<f4", (2, 3), struct.pack("<6f", *range(6))))
put("npy", "f64-fortran", npy("<f8", (2, 2), struct.pack("<4d", 1, 2, 3, 4), order=True))
put("npy", "i64-scalar", npy("<i8", (), struct.pack("<q", -5)))
put("npy", "u8-v2", npy("|u1", (4,), b"\x01\x02\x03\x04", version=2))
put("npy", "bool-empty", npy("|b1", (0, 3), b""))
put("npy", "big-endian", npy(">f4", (1,), b"\x00\x00\x80\x3f"))
put("npy", "truncated", npy("<f4", (10,), b"\x00" * 12))
put("npy", "huge-shape", npy("<f4", (2**40, 2**40), b""))
put("npy", "wrong-magic", b"\x93NUMPZ\x01\x00" + npy("<f4", (1,), b"\0\0\0\0")[8:])
# --- safetensors
def st(entries, data, meta=None, pad=True):
    h = dict(entries)
    if meta is not None:
        h["__metadata__"] = meta
    hb = json.dumps(h).encode()
    if pad:
        hb += b" " * ((-len(hb)) % 8)
    return struct.pack("<Q", len(hb)) + hb + data
w = struct.pack("<6f", *range(6))
put("safetensors", "two-tensors", st({"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
                                      "b": {"dtype": "I64", "shape": [1], "data_offsets": [24, 32]}},
                                     w + struct.pack("<q", 7), {"epoch": "3"}))
put("safetensors", "all-dtypes", st({"a": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]},
                                     "b": {"dtype": "U8", "shape": [2], "data_offsets": [8, 10]},
                                     "c": {"dtype": "BOOL", "shape": [2], "data_offsets": [10, 12]},
                                     "d": {"dtype": "F32", "shape": [], "data_offsets": [12, 16]}},
                                    struct.pack("<d", 2.5) + b"\x01\x02\x00\x01" + struct.pack("<f", 1)))
put("safetensors", "empty", st({}, b""))
put("safetensors", "overlap", st({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                  "v": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, b"\0" * 12))
put("safetensors", "lying-header-len", struct.pack("<Q", 2**62) + b"{}")
put("safetensors", "huge-shape", st({"w": {"dtype": "F32", "shape": [2**31, 2**31, 2**31], "data_offsets": [0, 4]}}, b"\0" * 4))
put("safetensors", "truncated", st({"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}}, w[:10]))
# --- model_spec: the JSON stored under "wick.model"
spec = {"format": "wick.model.v1", "kind": "mlp", "task": "classification", "input_shape": [1, 4, 4],
        "hidden": [8, 4], "batchnorm": True, "dropout": 0.1, "num_outputs": 3, "class_names": ["a", "b", "c"],
        "normalize": {"mean": [0.5], "std": [0.25]}, "dataset": "mnist"}
put("model_spec", "mlp", json.dumps(spec).encode())
reg = {"format": "wick.model.v1", "kind": "linear", "task": "regression", "input_shape": [3], "num_outputs": 1,
       "normalize": {"mean": [0, 0, 0], "std": [1, 1, 1]}, "target_normalize": {"mean": 2, "std": 3},
       "dataset": "csv", "features": ["a", "b", "c"], "target": "y"}
put("model_spec", "linear", json.dumps(reg).encode())
put("model_spec", "logistic", json.dumps(dict(spec, kind="logistic", task="binary", hidden=[], num_outputs=1,
                                              binary_positive=3)).encode())
put("model_spec", "bad-format", json.dumps(dict(spec, format="v0")).encode())
put("model_spec", "wrong-type", json.dumps(dict(spec, input_shape="784")).encode())
put("model_spec", "not-json", b'{"format": "wick.model.v1", "kind": ')
put("model_spec", "negative", json.dumps(dict(spec, hidden=[-4])).encode())
# --- run_config: config.json of a `wick train` run, as --resume reads it
args = {"data": "mnist", "data_dir": "data", "model": "mlp", "epochs": 3, "batch_size": 128, "optimizer": "adam",
        "lr": 0.001, "momentum": 0.0, "schedule": "cosine", "device": "cpu", "seed": 0, "threads": 1, "workers": 0,
        "out": "runs/x", "hidden": "256", "batchnorm": True, "dropout": 0.2, "clip_grad_norm": 1.0}
put("run_config", "mlp", json.dumps({"args": args, "status": "done"}).encode())
csv_args = dict(args, data="points.csv", model="linear", target="y", test_fraction=0.2, limit=100,
                optimizer="sgd", momentum=0.9, weight_decay=0.0)
for k in ("hidden", "batchnorm", "dropout", "clip_grad_norm"):
    del csv_args[k]
put("run_config", "csv", json.dumps({"args": csv_args}).encode())
put("run_config", "float-epochs", json.dumps({"args": dict(args, epochs=1e300)}).encode())
put("run_config", "negative-seed", json.dumps({"args": dict(args, seed=-1)}).encode())
put("run_config", "no-args", b'{"status": "done"}')
put("run_config", "truncated", json.dumps({"args": args}).encode()[:40])
# --- pytorch: byte 0 even = a torch.save file follows; odd = byte 1 storage
# count n, n u16 storage sizes, then data.pkl (fuzz_pytorch.cpp zips them).
# From the files PyTorch wrote (tests/data/pytorch, made by
# tests/reference/make_pt_fixtures.py), and broken copies of them.
PT = os.path.join(HERE, "..", "tests", "data", "pytorch")
for name in ("views", "shared", "dtypes", "mlp", "module", "half", "parameters", "extra_state"):
    with open(os.path.join(PT, name + ".pt"), "rb") as f:
        pt = f.read()
    put("pytorch", name, b"\x00" + pt)
    if name == "mlp":
        put("pytorch", "truncated", b"\x00" + pt[: len(pt) // 2])
    with zipfile.ZipFile(io.BytesIO(pt)) as z:
        top = z.namelist()[0].split("/")[0]
        sizes = []
        while f"{top}/data/{len(sizes)}" in z.namelist():
            sizes.append(z.getinfo(f"{top}/data/{len(sizes)}").file_size)
        put("pytorch", name + "-pickle", bytes([1, len(sizes)]) + b"".join(struct.pack("<H", n) for n in sizes)
            + z.read(f"{top}/data.pkl"))
