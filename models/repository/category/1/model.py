"""Triton python backend (CPU config only): runs this folder's model.onnx with onnxruntime.

Production serves model.onnx with Triton's onnxruntime backend; the tritonserver of the
nvidia-pytriton wheel has only the python backend, so this runs the same file on CPU.
"""

from streams.inference.triton_python import OnnxStepModel as TritonPythonModel

__all__ = ["TritonPythonModel"]
