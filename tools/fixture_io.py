"""Writes test fixtures in the safetensors format (F32, little-endian, header padded to 8 bytes) with
numpy only, so every fixture generator in tools/ shares one writer."""
import json
import struct

import numpy as np


def write_safetensors(path, tensors, metadata):
    """tensors: name -> array-like (numpy arrays; torch tensors via .numpy()); metadata: str -> str."""
    header = {'__metadata__': metadata}
    offset = 0
    blobs = []
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype='<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(np.shape(array)), 'data_offsets': [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
