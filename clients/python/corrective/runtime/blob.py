"""Reads a Corrective policy blob ("CRPL", see trainer/policy/blob.ts) into plain Python and numpy.

Layout::

    offset 0   b"CRPL"                     magic
           4   uint32 LE  format version   (1)
           8   uint32 LE  header length H
          12   UTF-8 JSON header           {format, spec, nets, extras, meta}
      12+H..   zero padding to a multiple of 4
           W   float32 weights of every network; net i occupies [W + byteOffset, + byteLength)

Each network is a tfjs ``Sequential`` of ``Dense`` layers: its ``modelTopology`` JSON names the layers
(units, activation, use_bias) and ``weightSpecs`` lists the weights in storage order. Image policies
(``spec.vision``) add two networks per camera after the head's: a ``Sequential`` of ``Conv2D`` layers and its
Dense projection (trainer/policy/encoder-layout.ts).
"""

from __future__ import annotations

import json
import struct
from typing import AbstractSet, Any, Dict, List, Tuple, Union

import numpy as np

from .conv import ConvStack, conv_stack_from_topology
from .dense import DenseStack, dense_stack_from_topology

MAGIC = b"CRPL"
VERSION = 1


class PolicyBlobError(ValueError):
    """The bytes are not a policy blob this runtime can run (the message says what is wrong)."""


def _align4(n: int) -> int:
    return (n + 3) & ~3


def decode_header(blob: bytes) -> Tuple[Dict[str, Any], int]:
    """Returns the parsed JSON header and the offset of the weight section."""
    view = memoryview(blob)
    if len(view) < 12:
        raise PolicyBlobError("policy blob: too short")
    if bytes(view[:4]) != MAGIC:
        raise PolicyBlobError(f"policy blob: bad magic {bytes(view[:4])!r}")
    version, header_length = struct.unpack_from("<II", view, 4)
    if version != VERSION:
        raise PolicyBlobError(f"policy blob: unsupported version {version}")
    if 12 + header_length > len(view):
        raise PolicyBlobError("policy blob: header runs past the end")
    try:
        header = json.loads(bytes(view[12 : 12 + header_length]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise PolicyBlobError("policy blob: header is not valid JSON") from err
    if not isinstance(header, dict) or header.get("format") != "corrective-policy":
        raise PolicyBlobError('policy blob: header format is not "corrective-policy"')
    for key, kind in (("spec", dict), ("nets", list), ("extras", list)):
        if not isinstance(header.get(key), kind):
            raise PolicyBlobError(f"policy blob: invalid header: {key} missing or not a {kind.__name__}")
    return header, _align4(12 + header_length)


def decode_networks(blob: bytes, header: Dict[str, Any], data_start: int, conv: AbstractSet[int] = frozenset()) -> Dict[Tuple[int, int], Union[DenseStack, ConvStack]]:
    """Every network of the blob, keyed by ``(member, index)``: a :class:`DenseStack`, or for the indices in
    ``conv`` (an image encoder's convolutions) a :class:`ConvStack`."""
    out: Dict[Tuple[int, int], Union[DenseStack, ConvStack]] = {}
    for entry in header["nets"]:
        try:
            member, index = int(entry["member"]), int(entry["index"])
            offset, length = int(entry["byteOffset"]), int(entry["byteLength"])
            specs = entry["weightSpecs"]
            topology = entry["modelTopology"]
        except (KeyError, TypeError, ValueError) as err:
            raise PolicyBlobError(f"policy blob: invalid net entry ({err})") from err
        start = data_start + offset
        if offset < 0 or length < 0 or start + length > len(blob):
            raise PolicyBlobError("policy blob: weights run past the end")
        weights = _weights_by_name(blob, start, length, specs)
        try:
            build = conv_stack_from_topology if index in conv else dense_stack_from_topology
            out[(member, index)] = build(topology, weights)
        except ValueError as err:
            raise PolicyBlobError(f"policy blob: member {member} net {index}: {err}") from err
    return out


def _weights_by_name(blob: bytes, start: int, length: int, specs: List[Dict[str, Any]]) -> Dict[str, np.ndarray]:
    weights: Dict[str, np.ndarray] = {}
    offset = 0
    for spec in specs:
        dtype = spec.get("dtype", "float32")
        if dtype != "float32":
            raise PolicyBlobError(f"policy network: {spec.get('name')} is {dtype}")
        if spec.get("quantization") is not None:
            raise PolicyBlobError("policy network: quantised weights are not supported")
        shape = tuple(int(s) for s in spec["shape"])
        size = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if offset + size * 4 > length:
            raise PolicyBlobError(f"policy network: weights of {spec.get('name')} run past the network's bytes")
        values = np.frombuffer(blob, dtype="<f4", count=size, offset=start + offset)
        weights[str(spec["name"])] = values.reshape(shape)
        offset += size * 4
    return weights
