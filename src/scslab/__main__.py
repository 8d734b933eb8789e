"""``python -m scslab``: the CLI."""

from scslab.cli import main

main()
