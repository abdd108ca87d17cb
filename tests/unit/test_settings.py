"""Settings that cannot work are refused when they are read, in one line that says what to set."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from streams.settings import Settings

pytestmark = pytest.mark.unit


def test_a_wildcard_bind_needs_an_advertised_address() -> None:
    with pytest.raises(ValidationError, match="TXENRICH_WEB_ADVERTISED_HOST"):
        Settings(web_host="0.0.0.0")
    settings = Settings(web_host="0.0.0.0", web_advertised_host="10.1.2.3", web_port=7000)
    assert settings.web_url == "http://10.1.2.3:7000"
    assert Settings(web_advertised_host="fd00::7", web_port=7000).web_url == "http://[fd00::7]:7000"
    assert Settings(web_port=7000).web_url == "http://127.0.0.1:7000"


def test_replicas_that_never_acknowledge_are_refused() -> None:
    with pytest.raises(ValidationError, match="min_insync_replicas"):
        Settings(replication_factor=1, min_insync_replicas=2)


def test_the_web_token_is_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TXENRICH_WEB_TOKEN", "hunter2-token")
    settings = Settings()
    assert settings.web_token is not None
    assert settings.web_token.get_secret_value() == "hunter2-token"
    assert "hunter2-token" not in repr(settings) and "hunter2-token" not in str(settings)
