"""Reads a .safetensors file the way the reference Rust/Python `safetensors` library does, with only
numpy, and prints its tensors as JSON: an outside check that zerodl's weights files are standard.

Usage: python3 tools/check_safetensors.py weights.safetensors
Checks what safetensors itself enforces: header length within the file, a JSON object header,
offsets contiguous from 0 to the end of the data, byte counts matching dtype and shape.
"""

import json
import struct
import sys

import numpy as np

DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "U8": "u1"}


def read(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    assert 8 + n <= len(raw), f"header length {n} exceeds file size {len(raw)}"
    header_text = raw[8 : 8 + n].decode("utf-8")
    assert header_text.startswith("{"), "header must start with '{'"
    header = json.loads(header_text)
    metadata = header.pop("__metadata__", {})
    assert all(isinstance(v, str) for v in metadata.values()), "__metadata__ values must be strings"
    data = raw[8 + n :]
    expected_start = 0
    tensors = {}
    for name, info in sorted(header.items(), key=lambda item: item[1]["data_offsets"][0]):
        begin, end = info["data_offsets"]
        assert begin == expected_start, f"{name}: offsets not contiguous ({begin} != {expected_start})"
        dtype = np.dtype(DTYPES[info["dtype"]])
        count = int(np.prod(info["shape"], dtype=np.int64))
        assert end - begin == count * dtype.itemsize, f"{name}: {end - begin} bytes for shape {info['shape']}"
        tensors[name] = np.frombuffer(data[begin:end], dtype=dtype).reshape(info["shape"])
        expected_start = end
    assert expected_start == len(data), f"data has {len(data) - expected_start} trailing bytes"
    return tensors, metadata


if __name__ == "__main__":
    tensors, metadata = read(sys.argv[1])
    print(json.dumps({
        "metadata": metadata,
        "tensors": {name: {"shape": list(t.shape), "values": t.astype(float).ravel().tolist()} for name, t in tensors.items()},
    }))
