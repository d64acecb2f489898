#!/usr/bin/env python
"""Django's command-line utility; `motcua` (motcua/cli.py) is the same with nicer names."""

import sys

from motcua.cli import main

if __name__ == "__main__":
    sys.exit(main())
