"""``python -m qwem`` is the ``qwem`` command."""

import sys

from qwem.cli import main

sys.exit(main())
