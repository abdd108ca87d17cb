"""`python -m streams` is the `txenrich` CLI."""

from streams.cli import main

raise SystemExit(main())
