"""The Triton model repository (models/repository/) as Triton reads it.

Loads ``<model>/config.pbtxt`` (or ``<model>/configs/<name>.pbtxt``, Triton's
``--model-config-name``) with the protobuf text format, resolves versions as the configs'
``version_policy`` says, and reads the label files the postprocess step needs.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from google.protobuf import text_format
from tritonclient.grpc import model_config_pb2 as mc

from streams.core.alias_evidence import alias_key
from streams.core.model_steps import ModelLabels
from streams.errors import ModelRepositoryError

__all__ = [
    "DEFAULT_REPOSITORY",
    "ENSEMBLE",
    "FINGERPRINT",
    "ModelRepository",
    "Step",
]

DEFAULT_REPOSITORY: Final = Path(__file__).resolve().parents[2] / "models" / "repository"
ENSEMBLE: Final = "enrich"
# Answers the repository version the server loaded (not a step, so not part of the digest).
FINGERPRINT: Final = "fingerprint"
ALIASES_FILE: Final = "aliases.tsv"  # merchant_id<TAB>alias, beside merchant/labels.txt
COMMON_WORDS_FILE: Final = "common_words.txt"  # everyday words and names, one per line


@dataclass(frozen=True)
class Step:
    """One ensemble step: the model, its resolved version and its tensor maps."""

    model: str
    version: int
    input_map: dict[str, str]  # model input -> ensemble tensor
    output_map: dict[str, str]  # model output -> ensemble tensor


class ModelRepository:
    """A model repository folder with one ensemble (``enrich``) and its steps."""

    def __init__(self, root: Path = DEFAULT_REPOSITORY, config_name: str | None = None) -> None:
        self.root = root
        self.config_name = config_name
        if not (root / ENSEMBLE).is_dir():
            raise ModelRepositoryError(
                f"no model repository at {root} (expected {ENSEMBLE}/config.pbtxt); "
                "point TXENRICH_MODEL_REPOSITORY at models/repository"
            )

    def config(self, model: str) -> mc.ModelConfig:
        """The model's config: ``configs/<config_name>.pbtxt`` when asked and present (as
        Triton falls back), else ``config.pbtxt``."""
        folder = self.root / model
        path = folder / "config.pbtxt"
        if self.config_name and (folder / "configs" / f"{self.config_name}.pbtxt").is_file():
            path = folder / "configs" / f"{self.config_name}.pbtxt"
        try:
            return text_format.Parse(path.read_text(encoding="utf-8"), mc.ModelConfig())
        except (OSError, text_format.ParseError) as exc:
            raise ModelRepositoryError(f"cannot read {path}: {exc}") from exc

    def versions(self, model: str) -> list[int]:
        """Version folders on disk, oldest first."""
        folder = self.root / model
        return sorted(int(p.name) for p in folder.iterdir() if p.is_dir() and p.name.isdigit())

    def resolve(self, model: str, requested: int = -1) -> int:
        """The version a step runs: ``-1`` is the newest served one, as in Triton."""
        available = self.versions(model)
        if not available:
            raise ModelRepositoryError(f"model {model!r} has no version folder in {self.root}")
        if requested == -1:
            return available[-1]
        if requested not in available:
            raise ModelRepositoryError(
                f"model {model!r} has no version {requested} (have {available})"
            )
        return requested

    def onnx_path(self, model: str, version: int) -> Path:
        path = self.root / model / str(version) / "model.onnx"
        if not path.is_file():
            raise ModelRepositoryError(
                f"{path} is missing; rebuild it with `make train` or restore it from git"
            )
        return path

    def steps(self) -> list[Step]:
        """The ensemble's steps in declared order, versions resolved."""
        ensemble = self.config(ENSEMBLE)
        return [
            Step(
                model=s.model_name,
                version=self.resolve(s.model_name, int(s.model_version)),
                input_map=dict(s.input_map),
                output_map=dict(s.output_map),
            )
            for s in ensemble.ensemble_scheduling.step
        ]

    def _labels(self, model: str, file: str = "labels.txt") -> tuple[str, ...]:
        path = self.root / model / file
        try:
            return tuple(path.read_text(encoding="utf-8").split())
        except OSError as exc:
            raise ModelRepositoryError(f"cannot read labels {path}: {exc}") from exc

    def _merchant_aliases(self, merchants: tuple[str, ...]) -> tuple[tuple[int, str], ...]:
        """``merchant/aliases.tsv`` (``merchant_id<TAB>alias`` lines, written by the recipe)
        as (label index, alias key) pairs; none when the file is absent."""
        path = self.root / "merchant" / ALIASES_FILE
        if not path.is_file():
            return ()
        index = {merchant: i for i, merchant in enumerate(merchants)}
        pairs = []
        try:
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                merchant, _, alias = line.partition("\t")
                if merchant not in index or not alias.strip():
                    raise ModelRepositoryError(
                        f"{path}:{number}: expected 'merchant_id<TAB>alias' for a merchant "
                        "of labels.txt"
                    )
                pairs.append((index[merchant], alias_key(alias)))
        except OSError as exc:
            raise ModelRepositoryError(f"cannot read {path}: {exc}") from exc
        return tuple(pairs)

    def _common_words(self) -> frozenset[str]:
        """``merchant/common_words.txt`` (written by the recipe): the everyday words and
        people's names that an alias must not be mistaken for; none when absent."""
        path = self.root / "merchant" / COMMON_WORDS_FILE
        if not path.is_file():
            return frozenset()
        try:
            return frozenset(path.read_text(encoding="utf-8").split())
        except OSError as exc:
            raise ModelRepositoryError(f"cannot read {path}: {exc}") from exc

    def labels(self) -> ModelLabels:
        """Every model's labels, with the merchant aliases' lookup tables built now (about
        half a second) rather than on a worker's first batch."""
        merchants = self._labels("merchant")
        labels = ModelLabels(
            merchants=merchants,
            categories=self._labels("category"),
            counterparty_types=self._labels("category", "counterparty_labels.txt"),
            merchant_aliases=self._merchant_aliases(merchants),
            common_words=self._common_words(),
        )
        labels.alias_tables  # noqa: B018 - a cached property, built here on purpose
        return labels

    def fingerprint(self) -> str:
        """A digest of every file that changes an answer (configs, ONNX files, labels, the
        python steps): cache keys use it, so a retrain into the same version folder never
        reads answers cached from the old weights."""
        digest = hashlib.sha256()
        for model in (ENSEMBLE, *(s.model for s in self.steps())):
            folder = self.root / model
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                if path.suffix in (".md",) or "__pycache__" in path.parts:
                    continue
                digest.update(str(path.relative_to(self.root)).encode())
                digest.update(path.read_bytes())
        return digest.hexdigest()[:12]

    @functools.cached_property
    def version(self) -> str:
        """``models-<fingerprint>``: the version records and cache keys carry, hashed once per
        repository object (every predictor built on it shares the one digest)."""
        return f"models-{self.fingerprint()}"

    def model_versions(self) -> dict[str, str]:
        """``{model: version}`` of every step, for the enriched record's ``model_versions``."""
        return {ENSEMBLE: str(self.resolve(ENSEMBLE))} | {
            s.model: str(s.version) for s in self.steps()
        }
