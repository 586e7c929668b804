#!/usr/bin/env python3
"""Prints the rows of docs/ERRORS.md from a run of the catalogue tests.

    WICK_ERRORS_PRINT=1 build/tests/wick_tests --gtest_filter='Catalogue/*' > rows.txt
    python3 tests/errors/errors_table.py rows.txt > table.md

Each test prints "ROW<TAB>id<TAB>message" with the message wick really gave,
so the table quotes wick, never a hand-written approximation."""
import re
import sys

AREAS = [  # id prefix -> (area, noun for the description)
    ("idx_gzip_", "IDX file (.gz)"), ("idx_", "IDX file"), ("mnist_", "MNIST folder"),
    ("cifar10_", "CIFAR-10 batch"), ("csv_", "CSV file"), ("npy_", ".npy file"),
    ("safetensors_", "safetensors file"), ("pytorch_", "torch.save file"), ("op_", "tensor op"), ("device_", "device"),
    ("autograd_", "autograd"), ("layer_", "nn layer"), ("loss_", "loss"), ("data_", "data pipeline"),
    ("state_dict_", "load_state_dict"), ("optim_", "optimizer"), ("cli_", "wick command"),
    ("threads_", "thread count"), ("distributed_", "data-parallel"), ("nn_", "nn module"),
]
SUITES = {"cli_": "CliErrors", "op_": "ApiErrors", "device_": "ApiErrors", "autograd_": "ApiErrors",
          "layer_": "ApiErrors", "loss_": "ApiErrors", "data_": "ApiErrors", "state_dict_": "ApiErrors",
          "optim_": "ApiErrors", "threads_": "ApiErrors", "distributed_": "ApiErrors", "nn_": "ApiErrors"}
FILES = {"CliErrors": "cli_errors_test.cpp", "ApiErrors": "api_errors_test.cpp", "FileErrors": "files_errors_test.cpp"}


def describe(row_id):
    for prefix, area in AREAS:
        if row_id.startswith(prefix):
            return area, row_id[len(prefix):].replace("_", " ")
    return "?", row_id.replace("_", " ")


def suite(row_id):
    for prefix, s in SUITES.items():
        if row_id.startswith(prefix):
            return s
    return "FileErrors"


def main():
    seen = {}
    for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
        if line.startswith("ROW\t"):
            _, rid, msg = line.rstrip("\n").split("\t", 2)
            seen.setdefault(rid, msg)
    print("| # | Area | Bad input | What wick says (verbatim) | Test |")
    print("|---|------|-----------|---------------------------|------|")
    for n, (rid, msg) in enumerate(seen.items(), 1):
        area, what = describe(rid)
        s = suite(rid)
        msg = re.sub(r"/tmp/wick-errors-\w+/", "<tmp>/", msg)
        msg = re.sub(r"/\S*/tests/data/", "tests/data/", msg)  # the committed fixtures, wherever the checkout is
        msg = re.sub(r"\.tmp\.\d+", ".tmp.<pid>", msg)
        msg = msg.replace("|", "\\|").replace("`", "'")
        print(f"| {n} | {area} | {what} | `{msg}` | [`Catalogue/{s}.*/{rid}`](../tests/errors/{FILES[s]}) |")


if __name__ == "__main__":
    main()
