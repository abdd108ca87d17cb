"""Topologies (``topologies/*.yaml``): how one stream is served, validated by typed models.

The live and backfill topologies run the same code; they differ in what is declared here:
the model route's Triton priority and deadline, the circuit breaker, and the pre-policies.
Unknown keys are errors (a typo must not silently fall back to a default).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final, Literal

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from streams.core.contracts import taxonomy
from streams.core.policy import PrePolicy
from streams.errors import ConfigError
from streams.inference.breaker import BreakerPolicy
from streams.settings import DEFAULT_TOPOLOGY

__all__ = [
    "DEFAULT_TOPOLOGY",
    "BreakerSpec",
    "ModelRoute",
    "PolicySpec",
    "Topology",
    "load_topology",
]

_COUNTERPARTY_TYPES: Final = ("merchant", "person", "employer", "bank", "government", "unknown")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BreakerSpec(_Strict):
    failure_threshold: int = Field(default=1, ge=1, le=100)
    open_seconds: float = Field(default=2.0, gt=0, le=600)
    max_open_seconds: float = Field(default=30.0, gt=0, le=3600)

    def policy(self) -> BreakerPolicy:
        try:
            return BreakerPolicy(self.failure_threshold, self.open_seconds, self.max_open_seconds)
        except ValueError as exc:
            raise ConfigError(f"breaker: {exc}") from exc


class ModelRoute(_Strict):
    """Which ensemble answers, at which Triton priority, within which deadline."""

    model: str = "enrich"
    # Triton priority level (the ensemble steps declare priority_levels: 2): 1 is served
    # first, 2 after; live traffic takes 1 and backfills 2.
    priority: int = Field(default=1, ge=1, le=2)
    timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    # Rows per Triton request, the parts of a batch sent one after the other (None: parts of
    # the ensemble's max_batch_size, all at once). A lane that must not crowd out another
    # keeps at most one small request in Triton's queues, so a batch of the other lane
    # waits behind one short execution at most.
    request_rows: int | None = Field(default=None, ge=1, le=65_536)
    breaker: BreakerSpec = BreakerSpec()


class PolicySpec(_Strict):
    reason: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    description: str | None = None
    direction: Literal["debit", "credit"] | None = None
    zero_amount: bool | None = None
    category: dict[Literal["debit", "credit"], str]
    counterparty_type: str = "unknown"
    confidence: float = Field(default=1.0, ge=0, le=1)

    @field_validator("description")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                pl.Series([""]).str.contains(value)
            except pl.exceptions.ComputeError as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value

    @field_validator("category")
    @classmethod
    def _categories(cls, value: dict[str, str]) -> dict[str, str]:
        known = taxonomy().primary_of
        unknown = sorted(v for v in value.values() if v not in known)
        if unknown:
            raise ValueError(f"not detailed categories of the taxonomy: {unknown}")
        if set(value) != {"debit", "credit"}:
            raise ValueError("give a category for both debit and credit")
        return value

    @field_validator("counterparty_type")
    @classmethod
    def _ctype(cls, value: str) -> str:
        if value not in _COUNTERPARTY_TYPES:
            raise ValueError(f"must be one of {', '.join(_COUNTERPARTY_TYPES)}")
        return value

    def policy(self) -> PrePolicy:
        return PrePolicy(
            reason=self.reason,
            category=dict(self.category),
            counterparty_type=self.counterparty_type,
            confidence=self.confidence,
            description=self.description,
            direction=self.direction,
            zero_amount=self.zero_amount,
        )


class Topology(_Strict):
    name: str
    route: ModelRoute = ModelRoute()
    pre_policies: tuple[PolicySpec, ...] = ()

    def policies(self) -> list[PrePolicy]:
        return [spec.policy() for spec in self.pre_policies]


def load_topology(path: Path) -> Topology:
    """Read and validate a topology file; every problem is a ConfigError naming the file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read topology {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"topology {path} is not valid YAML: {exc}") from exc
    try:
        topology = Topology.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"topology {path}: {where}: {first['msg']}") from exc
    reasons = [p.reason for p in topology.pre_policies]
    if len(set(reasons)) != len(reasons):
        raise ConfigError(f"topology {path}: pre_policies reasons must be unique")
    return topology
