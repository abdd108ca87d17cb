"""The README's "Try it by hand" block, run exactly as written: the local stack, a worker,
kcat and Apache Kafka's console tools producing and reading."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "schemas" / "examples" / "raw_transactions.tsv"


def _block() -> str:
    readme = (ROOT / "README.md").read_text()
    found = re.search(r"Try it by hand.*?```bash\n(.*?)```", readme, re.S)
    assert found, "README has no 'Try it by hand' bash block"
    return found.group(1)


def test_the_readme_by_hand_block_runs_as_written() -> None:
    assert shutil.which("kcat"), "kcat is missing: `make setup` installs it as root"
    block = _block()
    assert "kcat -P" in block and "kafka-console-producer.sh" in block
    env = {k: v for k, v in os.environ.items() if not k.startswith("TXENRICH_")}
    shell = subprocess.Popen(
        ["bash", "-euo", "pipefail", "-c", block],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = shell.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(shell.pid, signal.SIGTERM)  # the stack and worker stop as on Ctrl-C
        out, err = shell.communicate(timeout=60)
        pytest.fail("the block did not finish in 300 s:\n" + out[-3000:] + err[-3000:])
    finally:
        if shell.poll() is None:
            os.killpg(shell.pid, signal.SIGKILL)
    assert shell.returncode == 0, out[-3000:] + err[-3000:]

    documents = EXAMPLES.read_text().splitlines()
    sent = {json.loads(line.split("\t", 1)[1])["transaction_id"] for line in documents}
    # kcat prints "KEY VALUE", the console consumer "KEY<TAB>VALUE": readable JSON either way
    read = [json.loads(m.group(2)) for m in re.finditer(r"^(\S+)[ \t](\{.*\})$", out, re.M)]
    enriched = [r for r in read if "merchant" in r]
    assert len(enriched) >= 2 * len(documents), out[-3000:]
    assert {r["transaction_id"] for r in enriched} <= sent
    assert all(r["category"]["primary"] for r in enriched)
    pretty = [line for line in out.splitlines() if " -> " in line]
    assert pretty, "`txenrich consume` showed no enriched record"
    assert "Traceback" not in err
