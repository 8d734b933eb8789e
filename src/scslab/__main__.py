"""``python -m scslab``: the CLI."""

import sys

from scslab.entry import main

if __name__ == "__main__":
    sys.exit(main())
