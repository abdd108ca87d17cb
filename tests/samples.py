"""Helpers shared by tests: sample wire records back into documents or files, and a worker's
metrics."""

from __future__ import annotations

import io
import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import trustme
from cryptography.hazmat.primitives import serialization

from streams.core.wire import decode_value
from streams.settings import BACKFILL_TOPOLOGY, Settings
from streams.shell.backfill import backfill_files
from streams.shell.backfill_progress import Progress
from streams.shell.produce import OutgoingRaw

__all__ = [
    "CANARY_DESCRIPTION",
    "NEVER_LOGGED",
    "REDIS_PASSWORD",
    "SCRAM_PASSWORD",
    "WEB_TOKEN",
    "Certificates",
    "decoded",
    "get_json",
    "issue_certificate",
    "issue_certificates",
    "leaks",
    "metric",
    "offline_recurrence",
    "summary_fields",
    "write_jsonl",
]


# Throwaway credentials the tests hand to servers and workers, and a description only the
# hostile-stream test sends: none may appear in any log the suite writes (tests/conftest.py
# greps them all at the end of the session).
SCRAM_PASSWORD: Final = "s3cret-Pa55-for-scram"
REDIS_PASSWORD: Final = "r3dis-Pa55-for-tls"
WEB_TOKEN: Final = "s3cret-token-e2a9"
CANARY_DESCRIPTION: Final = "CANARY 7F3A PRIVATE PAYEE"
NEVER_LOGGED: Final = {
    "Kafka SCRAM password": SCRAM_PASSWORD,
    "Redis password": REDIS_PASSWORD,
    "web bearer token": WEB_TOKEN,
    "a transaction's description": CANARY_DESCRIPTION,
}
# Kafka's own data files (segments 00000000000000000000.log) hold records, not log lines.
_KAFKA_SEGMENT: Final = re.compile(r"\d{20}\.log")


def leaks(folder: Path, secrets: Mapping[str, str] = NEVER_LOGGED) -> list[str]:
    """``<log file>: <what>`` for each secret found in a ``*.log`` file under ``folder``."""
    found = []
    for path in sorted(folder.rglob("*.log")):
        if _KAFKA_SEGMENT.fullmatch(path.name) or not path.is_file():
            continue
        text = path.read_bytes()
        found += [f"{path}: {what}" for what, secret in secrets.items() if secret.encode() in text]
    return found


def summary_fields(stdout: str) -> dict[str, str]:
    """The fields of the ``summary: key=value ...`` line a command prints last."""
    last = stdout.strip().splitlines()[-1]
    return dict(part.split("=", 1) for part in last.removeprefix("summary: ").split())


def decoded(record: OutgoingRaw) -> Any:
    """The record's document, None when its bytes do not decode."""
    try:
        return decode_value(record.value, record.content_type)
    except ValueError:
        return None


def write_jsonl(path: Path, records: Iterable[OutgoingRaw]) -> None:
    """The records as JSONL; undecodable ones (or ones JSON cannot hold) become broken lines."""
    with path.open("w") as handle:
        for record in records:
            try:
                line = json.dumps(decode_value(record.value, record.content_type))
            except (ValueError, TypeError):
                line = "{broken"
            handle.write(line + "\n")


def get_json(url: str, token: str | None = None) -> tuple[int, Any]:
    """Status and JSON body of a GET (an error status too), with a bearer token if given."""
    request = urllib.request.Request(url)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@dataclass(frozen=True)
class Certificates:
    """A throwaway CA's files: a server certificate for 127.0.0.1/localhost and a client
    certificate, each with its private key (PKCS#8, which Kafka's PEM key store requires and
    Redis and Triton read too)."""

    chain: Path
    key: Path
    ca: Path
    client_chain: Path
    client_key: Path


def _write_leaf(cert: trustme.LeafCert, chain: Path, key: Path) -> None:
    chain.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
    private = serialization.load_pem_private_key(cert.private_key_pem.bytes(), password=None)
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def issue_certificates(folder: Path) -> Certificates:
    """A new CA with a server and a client certificate, written to ``folder``."""
    ca = trustme.CA()
    issued = Certificates(
        folder / "chain.pem",
        folder / "key.pem",
        folder / "ca.pem",
        folder / "client-chain.pem",
        folder / "client-key.pem",
    )
    _write_leaf(ca.issue_cert("127.0.0.1", "localhost"), issued.chain, issued.key)
    _write_leaf(ca.issue_cert("txenrich-worker"), issued.client_chain, issued.client_key)
    ca.cert_pem.write_to_path(str(issued.ca))
    return issued


def issue_certificate(folder: Path) -> tuple[Path, Path, Path]:
    """A new CA and a server certificate for 127.0.0.1/localhost, written to ``folder``:
    (certificate chain, private key, CA certificate)."""
    issued = issue_certificates(folder)
    return issued.chain, issued.key, issued.ca


def metric(settings: Settings, name: str, label: str) -> float:
    """The sum of a worker's ``/metrics`` samples named ``name`` whose labels hold ``label``."""
    url = f"http://127.0.0.1:{settings.web_port}/metrics"
    body = urllib.request.urlopen(url, timeout=5).read().decode()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in body.splitlines()
        if line.startswith(name) and label in line
    )


def offline_recurrence(records: list[OutgoingRaw], tmp_path: Path) -> dict[str, dict[str, Any]]:
    """Recurrence fields per transaction from a file backfill of the same records, models in
    process and no cache: what a live worker must produce, whatever crashed on the way."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    source = tmp_path / "raw.jsonl"
    write_jsonl(source, records)
    out = tmp_path / "backfill.jsonl"
    settings = Settings(
        redis_url=None,
        triton_url=None,
        data_dir=tmp_path / "backfill-state",
        topology=BACKFILL_TOPOLOGY,
    )
    backfill_files(settings, [str(source)], out, Progress(io.StringIO()))
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    return {row["transaction_id"]: row["recurrence"] for row in rows}


def child_pids(pid: int) -> set[int]:
    """Processes whose parent is ``pid`` now."""
    found: set[int] = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for a reaper does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
