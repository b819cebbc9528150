"""`python -m orgtui`: the command line."""

import sys

from orgtui.cli import main

sys.exit(main())
