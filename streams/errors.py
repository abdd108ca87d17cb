"""The txenrich exception tree. Every error a user can act on says what to do.

TxEnrichError
├── ConfigError            bad settings, flags or topology
├── InputFileError         a file given to `produce` / `enrich` cannot be read
├── ContractError          a schema file is missing or malformed
├── ModelRepositoryError   the model repository (configs, ONNX files, labels) is unusable
├── ServiceError           an external service failed
│   ├── BrokerUnavailable  Kafka bootstrap servers unreachable
│   ├── BrokerAuthenticationError  the broker refused the credentials or TLS failed
│   ├── ModelServerError   Triton unreachable, too slow, or answered with an error
│   └── LocalStackError    an embedded server (broker, Redis, Triton) failed to start
└── DeliveryError          the broker did not acknowledge an output record
"""

from __future__ import annotations

__all__ = [
    "BrokerAuthenticationError",
    "BrokerUnavailable",
    "ConfigError",
    "ContractError",
    "DeliveryError",
    "InputFileError",
    "LocalStackError",
    "ModelRepositoryError",
    "ModelServerError",
    "ServiceError",
    "TxEnrichError",
]


class TxEnrichError(Exception):
    """Root of every error txenrich raises on purpose."""


class ConfigError(TxEnrichError):
    """Settings, flags or a topology are invalid."""


class InputFileError(TxEnrichError):
    """An input file is missing, unreadable or of an unknown format."""


class ContractError(TxEnrichError):
    """A record contract (JSON Schema) is missing or malformed."""


class ModelRepositoryError(TxEnrichError):
    """The Triton model repository is missing a file or holds an unusable one."""


class ServiceError(TxEnrichError):
    """An external service (broker, Redis, model server) failed."""


class BrokerUnavailable(ServiceError):
    """The Kafka bootstrap servers did not answer."""


class BrokerAuthenticationError(ServiceError):
    """The broker refused the SASL credentials, or the TLS handshake could not be verified."""


class ModelServerError(ServiceError):
    """The model server did not answer a batch in time, or answered with an error."""


class LocalStackError(ServiceError):
    """An embedded local server could not be started."""


class DeliveryError(TxEnrichError):
    """The broker refused or failed to acknowledge a produced record."""


class ProcessingFailure(TxEnrichError):
    """Every record of a batch raised while processing: the worker is broken, not the data."""
