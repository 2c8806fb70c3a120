"""Command: ``python -m ganlib.homework student SRC OUT`` and
``python -m ganlib.homework grade SUB [--json] [--csv OUT]``.

Student versions of the notebooks and the grader live in :mod:`ganlib.course.grading`; this
module is the command's fixed address (teachers' scripts call it).
"""

import sys

from ganlib.course.grading import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
