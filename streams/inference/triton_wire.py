"""Triton's BYTES tensor wire form, built from a polars column without a per-row loop.

A BYTES tensor travels as its elements in row-major order, each a 4-byte little-endian
length followed by that many bytes (UTF-8 here). tritonclient's ``set_data_from_numpy``
builds it element by element in Python; this builds the same bytes with one join in
polars and a few numpy scatters, whatever the batch size.
"""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["bytes_tensor"]

_HEADER = 4  # bytes of the little-endian uint32 length before each element


def bytes_tensor(column: pl.Series) -> bytes:
    """The wire content of a [len(column), 1] BYTES tensor holding ``column`` (null: "")."""
    strings = column.cast(pl.String).fill_null("")
    n = strings.len()
    if n == 0:
        return b""
    lengths = strings.str.len_bytes().cast(pl.UInt32).to_numpy()
    payload = np.frombuffer(strings.str.join("").item().encode("utf-8"), dtype=np.uint8)
    widths = lengths.astype(np.int64) + _HEADER
    starts = np.cumsum(widths) - widths  # where each element's header begins
    out = np.empty(int(widths.sum()), dtype=np.uint8)
    headers = (starts[:, None] + np.arange(_HEADER)).reshape(-1)
    out[headers] = lengths.astype("<u4").view(np.uint8)
    is_payload = np.ones(out.size, dtype=bool)
    is_payload[headers] = False
    out[is_payload] = payload
    return out.tobytes()
