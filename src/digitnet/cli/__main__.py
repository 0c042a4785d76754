"""``python -m digitnet.cli``: the digitnet command."""

import sys

from . import main

sys.exit(main())
