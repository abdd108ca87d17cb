"""Small helpers the recipe's hand-written ONNX graphs share."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import numpy_helper

__all__ = ["initialiser"]


def initialiser(name: str, array: np.ndarray) -> onnx.TensorProto:
    """A graph constant (contiguous copy, so the bytes do not depend on the array's strides)."""
    return numpy_helper.from_array(np.ascontiguousarray(array), name)
