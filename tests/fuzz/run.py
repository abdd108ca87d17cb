"""Coverage-guided fuzzing (atheris, libFuzzer) of the decode + validate path.

    make fuzz                      # 60 s over tests/fuzz/corpus; new inputs are added there
    .venv/bin/python tests/fuzz/run.py tests/fuzz/corpus -max_total_time=600

A failing input is written as crash-<hash> in the working directory: add it to the corpus
once fixed, so the unit test ``tests/unit/test_fuzz_corpus.py`` replays it for good.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["streams"]):
    from tests.fuzz.target import check


def main() -> None:
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
