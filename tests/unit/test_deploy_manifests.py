"""The Kubernetes manifests in deploy/ parse and set only settings the worker reads."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from streams.settings import Settings
from streams.shell.worker import settings_env

pytestmark = pytest.mark.unit

MANIFESTS = sorted((Path(__file__).resolve().parents[2] / "deploy" / "kubernetes").glob("*.yaml"))
# secrets and optional settings settings_env leaves out when they are unset
_OPTIONAL = {
    "TXENRICH_KAFKA_SASL_MECHANISM",
    "TXENRICH_KAFKA_SASL_USERNAME",
    "TXENRICH_KAFKA_SASL_PASSWORD",
    "TXENRICH_KAFKA_SSL_CAFILE",
    "TXENRICH_WEB_ADVERTISED_HOST",
    "TXENRICH_WEB_TOKEN",
}


def test_there_are_manifests() -> None:
    assert MANIFESTS


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_every_variable_a_manifest_sets_is_a_setting(path: Path) -> None:
    known = set(settings_env(Settings())) | _OPTIONAL
    for document in yaml.safe_load_all(path.read_text()):
        for container in document["spec"]["template"]["spec"]["containers"]:
            names = {variable["name"] for variable in container.get("env", [])}
            assert names <= known, sorted(names - known)
