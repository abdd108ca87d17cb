"""The vectorised BYTES tensor encoding is byte-for-byte what tritonclient builds."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tritonclient.grpc import InferInput
from tritonclient.utils import serialize_byte_tensor

from streams.inference.triton_client import _string_input
from streams.inference.triton_wire import bytes_tensor

pytestmark = pytest.mark.unit


def _reference(values: list[str | None]) -> bytes:
    array = np.array([(v or "").encode() for v in values], dtype=np.object_).reshape(-1, 1)
    return bytes(serialize_byte_tensor(array).item()) if values else b""


@given(st.lists(st.one_of(st.none(), st.text(max_size=40)), max_size=50))
def test_bytes_tensor_matches_tritonclient(values: list[str | None]) -> None:
    assert bytes_tensor(pl.Series(values, dtype=pl.String)) == _reference(values)


def test_string_input_carries_the_same_tensor_as_set_data_from_numpy() -> None:
    values = ["PURCHASE AUTHORIZED ON 03/12 WHOLEFDS MKT", "ÉCOLE", ""]
    ours = _string_input("description", pl.Series(values))
    theirs = InferInput("description", [3, 1], "BYTES")
    theirs.set_data_from_numpy(np.array([[v.encode()] for v in values], dtype=np.object_))
    assert ours._get_content() == theirs._get_content()
    assert ours._get_tensor() == theirs._get_tensor()
