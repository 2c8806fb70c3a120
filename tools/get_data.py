"""make test's first step: Fashion-MNIST on this machine, downloaded once when it is missing and the machine is
online; else stop with the three ways to get it. The tests themselves then run offline.

    python tools/get_data.py
"""

from __future__ import annotations

import sys

from ganlib.config import cache_dir
from ganlib.data import DEBIAN_DIRS, SPLITS, DataError, load_images

NAME = "fashion-mnist"


def source() -> str:
    """Where load_images will find the set now (before any download)."""
    if all((cache_dir() / f"{NAME}-{split}.npz").exists() for split in SPLITS):
        return f"in the cache, {cache_dir()}"
    if DEBIAN_DIRS[NAME].is_dir():
        return f"from the Debian package, {DEBIAN_DIRS[NAME]}"
    return ""


def main() -> int:
    found = source()
    print(f"Fashion-MNIST: {found}" if found else
          f"Fashion-MNIST: not on this machine; trying to download it once into {cache_dir()} (about 30 MB)", flush=True)
    try:
        counts = [len(load_images(NAME, split)[0]) for split in SPLITS]
    except DataError as e:
        print(f"\nmake test needs Fashion-MNIST and stops here.\n{e}", file=sys.stderr)
        return 1
    print(f"Fashion-MNIST: {counts[0]:,} training and {counts[1]:,} test images ready; the tests run offline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
