"""``python -m digitnet``: the digitnet command."""

import sys

from .cli import main

sys.exit(main())
