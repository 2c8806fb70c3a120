"""Command: ``python -m ganlib.experiments mode-collapse|table …`` (notebook 04's mode-collapse
runs).

The runs live in :mod:`ganlib.stability.mode_collapse`; this module is the command's fixed address.
"""

import sys

from ganlib.stability.mode_collapse import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
