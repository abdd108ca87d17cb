"""Pre-policies: rows whose model answer is known without asking the model.

A policy matches rows of a validated raw batch (every condition it sets must hold) and
answers them with fixed PREDICTION_SCHEMA values, so they skip the cache and the model and
go through the same enrichment as every other row. The first matching policy wins.
Descriptions are matched normalised (``featurise.normalise``: upper case, digits as ``0``,
punctuation as spaces), so one pattern covers the spellings banks print.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

from streams.core.featurise import normalise
from streams.core.model_steps import PREDICTION_SCHEMA

__all__ = ["PolicySplit", "PrePolicy", "split_by_policy"]

Direction = Literal["debit", "credit"]


@dataclass(frozen=True)
class PrePolicy:
    """One rule: conditions (all must hold) and the answer for the rows it matches."""

    reason: str  # a bounded metrics label, e.g. "internal_transfer"
    category: dict[Direction, str]  # detailed category by direction
    counterparty_type: str = "unknown"
    confidence: float = 1.0
    description: str | None = None  # regex, searched in the normalised description
    direction: Direction | None = None
    zero_amount: bool | None = None  # amount == 0 (an authorisation or card check)

    def condition(self) -> pl.Expr:
        """True for the rows this policy answers."""
        parts: list[pl.Expr] = [pl.lit(value=True)]
        if self.description is not None:
            parts.append(normalise(pl.col("description")).str.contains(self.description))
        if self.direction is not None:
            parts.append(pl.col("direction") == self.direction)
        if self.zero_amount is not None:
            is_zero = pl.col("amount").str.replace_all(r"[0.]", "") == ""
            parts.append(is_zero if self.zero_amount else ~is_zero)
        return pl.all_horizontal(parts).fill_null(value=False)


@dataclass(frozen=True)
class PolicySplit:
    """``rows``: the batch rows the model must see. ``answered``: positions (``_row``) and
    predictions of the rows a policy answered, with its ``policy_reason``."""

    rows: pl.DataFrame
    answered: pl.DataFrame
    counts: dict[str, int]


def split_by_policy(frame: pl.DataFrame, policies: Sequence[PrePolicy]) -> PolicySplit:
    """Split a validated raw batch (with a ``_row`` column) into model rows and answers."""
    if not policies or frame.height == 0:
        empty = pl.DataFrame(
            schema=pl.Schema(
                [("_row", pl.Int64), *PREDICTION_SCHEMA.items(), ("policy_reason", pl.String)]
            )
        )
        return PolicySplit(frame, empty, {})
    reason: pl.Expr = pl.lit(None, dtype=pl.String)
    for policy in reversed(policies):  # the first matching policy wins
        reason = pl.when(policy.condition()).then(pl.lit(policy.reason)).otherwise(reason)
    tagged = frame.with_columns(policy_reason=reason)
    rows = tagged.filter(pl.col("policy_reason").is_null()).drop("policy_reason")
    matched = tagged.filter(pl.col("policy_reason").is_not_null())
    answers = pl.DataFrame(
        [
            {
                "policy_reason": p.reason,
                "debit": p.category.get("debit"),
                "credit": p.category.get("credit"),
                "counterparty_type": p.counterparty_type,
                "confidence": p.confidence,
            }
            for p in policies
        ],
        schema={
            "policy_reason": pl.String,
            "debit": pl.String,
            "credit": pl.String,
            "counterparty_type": pl.String,
            "confidence": pl.Float64,
        },
    )
    direction = pl.col("direction")
    answered = matched.join(answers, on="policy_reason", how="left", maintain_order="left").select(
        "_row",
        model_merchant_id=pl.lit("unknown"),
        model_merchant_confidence=pl.lit(1.0, dtype=pl.Float64),
        model_category_detailed=pl.when(direction == "debit")
        .then(pl.col("debit"))
        .when(direction == "credit")
        .then(pl.col("credit")),
        model_category_confidence=pl.col("confidence"),
        model_counterparty_type=pl.col("counterparty_type"),
        model_counterparty_confidence=pl.col("confidence"),
        policy_reason=pl.col("policy_reason"),
    )
    counts = dict(matched.group_by("policy_reason").len().iter_rows())
    return PolicySplit(rows, answered, counts)
