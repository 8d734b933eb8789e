"""``python -m scslab``: the CLI."""

from scslab.entry import run

if __name__ == "__main__":
    run()
