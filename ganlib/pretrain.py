"""Command:
``python -m ganlib.pretrain NAME [--max-seconds S] [--out PATH] [--seed N] [--rescore]``.

Makes the shipped checkpoints from a seed. The recipes live in :mod:`ganlib.course.recipes`;
this module is the command's fixed address (teachers' scripts call it).
"""

import sys

from ganlib.course.recipes import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
