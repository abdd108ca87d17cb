"""The published record contracts (schemas/) and the taxonomy, loaded once.

The JSON Schema files are the single source of truth: the batch validator reads
its enums, patterns and limits from them, so code and contract cannot drift.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from streams.errors import ContractError

__all__ = [
    "DEAD_LETTER_SCHEMA",
    "ENRICHED_SCHEMA",
    "RAW_SCHEMA",
    "SCHEMA_DIR",
    "RawContract",
    "Taxonomy",
    "load_schema",
    "raw_contract",
    "taxonomy",
]

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"
RAW_SCHEMA = "raw_transaction.v1"
ENRICHED_SCHEMA = "enriched_transaction.v1"
DEAD_LETTER_SCHEMA = "dead_letter.v1"


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The JSON Schema called `name` (e.g. "raw_transaction.v1")."""
    path = SCHEMA_DIR / f"{name}.json"
    try:
        schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ContractError(f"cannot read schema {path}: {exc}; is the checkout complete?") from exc
    return schema


@dataclass(frozen=True)
class RawContract:
    """What the raw v1 schema allows, in the form the batch validator needs."""

    required: tuple[str, ...]
    string_fields: tuple[str, ...]
    id_pattern: str
    id_max_length: int
    amount_pattern: str
    currencies: frozenset[str]
    countries: frozenset[str]
    directions: frozenset[str]
    entity_types: frozenset[str]
    description_max_length: int
    date_pattern: str
    mcc_pattern: str


@cache
def raw_contract() -> RawContract:
    """Read the raw v1 schema into a RawContract."""
    schema = load_schema(RAW_SCHEMA)
    props = schema["properties"]
    return RawContract(
        required=tuple(schema["required"]),
        string_fields=tuple(k for k, v in props.items() if v.get("type") == "string"),
        id_pattern=props["transaction_id"]["pattern"],
        id_max_length=int(props["transaction_id"]["maxLength"]),
        amount_pattern=props["amount"]["pattern"],
        currencies=frozenset(props["currency"]["enum"]),
        countries=frozenset(props["country"]["enum"]),
        directions=frozenset(props["direction"]["enum"]),
        entity_types=frozenset(props["entity_type"]["enum"]),
        description_max_length=int(props["description"]["maxLength"]),
        date_pattern=props["date"]["pattern"],
        mcc_pattern=props["mcc"]["pattern"],
    )


@dataclass(frozen=True)
class Taxonomy:
    """Plaid-style personal finance categories: detailed -> primary."""

    primary_of: dict[str, str]

    @property
    def primaries(self) -> frozenset[str]:
        return frozenset(self.primary_of.values())


@cache
def taxonomy() -> Taxonomy:
    """The category taxonomy shipped in schemas/personal_finance_categories.csv."""
    path = SCHEMA_DIR / "personal_finance_categories.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return Taxonomy(primary_of={r["DETAILED"]: r["PRIMARY"] for r in rows})
