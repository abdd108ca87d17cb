"""The Triton model repository: every config parses, and the ensemble's tensors, shapes and
types match the ONNX models' signatures and the python steps' declared tensors."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import onnx
import pytest
from google.protobuf import text_format
from tritonclient.grpc import model_config_pb2 as mc

from streams.core.featurise import FEATURISER_VERSION, SEQ_LEN
from streams.core.model_steps import ENSEMBLE_INPUTS, ENSEMBLE_OUTPUTS, TOP_K
from streams.inference.repository import DEFAULT_REPOSITORY, ENSEMBLE, ModelRepository

pytestmark = pytest.mark.unit

MODELS = ("preprocess", "merchant", "category", "postprocess", ENSEMBLE)
ONNX_TYPES = {
    onnx.TensorProto.INT64: mc.TYPE_INT64,
    onnx.TensorProto.FLOAT: mc.TYPE_FP32,
}


def _config(path: Path) -> mc.ModelConfig:
    return text_format.Parse(path.read_text(encoding="utf-8"), mc.ModelConfig())


def _tensors(items: list[mc.ModelInput] | list[mc.ModelOutput]) -> dict[str, tuple[int, tuple]]:
    return {t.name: (t.data_type, tuple(t.dims)) for t in items}


@pytest.mark.parametrize("model", MODELS)
def test_both_configs_parse_and_agree_on_everything_but_the_backend(model: str) -> None:
    prod = _config(DEFAULT_REPOSITORY / model / "config.pbtxt")
    cpu = _config(DEFAULT_REPOSITORY / model / "configs" / "cpu.pbtxt")
    assert prod.name == cpu.name == model
    assert _tensors(list(prod.input)) == _tensors(list(cpu.input))
    assert _tensors(list(prod.output)) == _tensors(list(cpu.output))
    assert prod.max_batch_size == cpu.max_batch_size == 1024
    assert prod.dynamic_batching == cpu.dynamic_batching
    assert prod.ensemble_scheduling == cpu.ensemble_scheduling
    assert prod.version_policy == cpu.version_policy
    if model == ENSEMBLE:
        assert prod.platform == cpu.platform == "ensemble"
        return
    assert cpu.backend == "python"
    assert (DEFAULT_REPOSITORY / model / "1" / "model.py").is_file()
    assert prod.dynamic_batching.max_queue_delay_microseconds > 0
    assert list(prod.dynamic_batching.preferred_batch_size) == [256, 512, 1024]
    assert all(g.kind == mc.ModelInstanceGroup.KIND_CPU for g in cpu.instance_group)
    if prod.backend == "onnxruntime":
        assert [g.kind for g in prod.instance_group] == [mc.ModelInstanceGroup.KIND_GPU]


@pytest.mark.parametrize("model", ["merchant", "category"])
def test_onnx_signature_matches_config(model: str) -> None:
    config = _config(DEFAULT_REPOSITORY / model / "config.pbtxt")
    assert config.backend == "onnxruntime"
    proto = onnx.load(str(DEFAULT_REPOSITORY / model / "1" / "model.onnx"))
    meta = {p.key: p.value for p in proto.metadata_props}
    assert meta["featuriser"] == FEATURISER_VERSION

    def signature(values: list[onnx.ValueInfoProto]) -> dict[str, tuple[int, tuple]]:
        out = {}
        for v in values:
            dims = v.type.tensor_type.shape.dim
            assert dims[0].dim_param, f"{v.name}: axis 0 must be the (dynamic) batch"
            shape = tuple(d.dim_value for d in dims[1:])
            out[v.name] = (ONNX_TYPES[v.type.tensor_type.elem_type], shape)
        return out

    initialisers = {i.name for i in proto.graph.initializer}
    inputs = [i for i in proto.graph.input if i.name not in initialisers]
    assert signature(inputs) == _tensors(list(config.input))
    assert signature(list(proto.graph.output)) == _tensors(list(config.output))


def test_ensemble_wires_every_tensor_with_matching_type_and_shape() -> None:
    repo = ModelRepository()
    ensemble = repo.config(ENSEMBLE)
    known = _tensors(list(ensemble.input))
    assert tuple(known) == ENSEMBLE_INPUTS
    for step in repo.steps():
        config = repo.config(step.model)
        inputs, outputs = _tensors(list(config.input)), _tensors(list(config.output))
        assert set(step.input_map) == set(inputs), step.model
        for name, tensor in step.input_map.items():
            assert tensor in known, f"{step.model} reads {tensor} before anything writes it"
            assert known[tensor] == inputs[name], f"{step.model}.{name}"
        assert set(step.output_map) == set(outputs), step.model
        for name, tensor in step.output_map.items():
            assert tensor not in known, f"{tensor} written twice"
            known[tensor] = outputs[name]
    final = _tensors(list(ensemble.output))
    assert tuple(final) == ENSEMBLE_OUTPUTS
    for name, spec in final.items():
        assert known[name] == spec


def test_merchant_and_category_run_in_parallel_after_preprocess() -> None:
    steps = {s.model: s for s in ModelRepository().steps()}
    written_by_preprocess = set(steps["preprocess"].output_map.values())
    assert set(steps["merchant"].input_map.values()) <= written_by_preprocess
    assert set(steps["category"].input_map.values()) <= written_by_preprocess


def test_declared_sizes_match_the_code_and_the_label_files() -> None:
    repo = ModelRepository()
    labels = repo.labels()
    pre = _tensors(list(repo.config("preprocess").output))
    assert pre["tokens"][1] == (SEQ_LEN,)
    merchant = _tensors(list(repo.config("merchant").output))
    assert merchant["merchant_top_ids"][1] == (TOP_K,)
    category = _tensors(list(repo.config("category").output))
    assert category["category_probs"][1] == (len(labels.categories),)
    assert category["counterparty_probs"][1] == (len(labels.counterparty_types),)
    assert labels.merchants[0] == "unknown"
    assert len(set(labels.merchants)) == len(labels.merchants)
    assert np.all(np.array(repo.versions("merchant")) >= 1)


def test_fingerprint_follows_weights_and_labels_not_docs(tmp_path: Path) -> None:
    copy = tmp_path / "repository"
    shutil.copytree(DEFAULT_REPOSITORY, copy, ignore=shutil.ignore_patterns("__pycache__"))
    original = ModelRepository().fingerprint()
    assert ModelRepository(copy).fingerprint() == original
    (copy / "merchant" / "MODEL_CARD.md").write_text("edited\n", encoding="utf-8")
    assert ModelRepository(copy).fingerprint() == original
    labels = copy / "category" / "labels.txt"
    labels.write_text(labels.read_text(encoding="utf-8") + "EXTRA\n", encoding="utf-8")
    assert ModelRepository(copy).fingerprint() != original
