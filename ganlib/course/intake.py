"""What a submission's run sends back, read by the grader without trusting it: the answers file.

The learner's kernel writes it (:func:`ganlib.course.answers.save_answer`), so the learner's code
could have written anything there: it is read as plain data only, with bounds on its size, its
number of values, its nesting and its tensors' elements, before anything is judged.
"""

from __future__ import annotations

import io
from typing import Any

from ganlib.course.answers import MAX_ANSWER_BYTES

# values in an answers file (lists, numbers, tensors; a shared one each time)
MAX_ANSWER_NODES = 1_000_000
MAX_ANSWER_ELEMENTS = 20_000_000   # tensor elements in an answers file


def read_answers(raw: bytes) -> dict[str, Any]:
    """The answers file a learner's kernel wrote, read on the grader's side: plain data or
    ValueError.

    Nothing in it can run code (``weights_only``), nothing is decompressed (every member of the
    zip must be stored), it unfolds into a bounded tree, and what comes out goes through
    :func:`ganlib.checks.plain` again.
    """
    import zipfile

    import torch

    from ganlib.checks import plain

    if len(raw) > MAX_ANSWER_BYTES:
        raise ValueError(f"the answers are larger than {MAX_ANSWER_BYTES // 1_000_000} MB")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            members = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise ValueError(f"the answers file is not a torch.save file ({e})") from None
    if any(m.compress_type != zipfile.ZIP_STORED for m in members) or \
            sum(m.file_size for m in members) > MAX_ANSWER_BYTES + 1_000_000:
        raise ValueError("the answers file is compressed or larger than it says")
    try:
        book = torch.load(io.BytesIO(raw), weights_only=True, map_location="cpu")
    except Exception as e:  # anything but plain data, or a damaged file
        raise ValueError("the answers file holds something other than plain data "
                         f"({type(e).__name__})") from None
    if not isinstance(book, dict):
        raise ValueError("the answers file does not hold a dict of answers")
    _within_bounds(book, [MAX_ANSWER_NODES, MAX_ANSWER_ELEMENTS])
    return {str(k): plain(v) for k, v in book.items()}


def _within_bounds(value: Any, budget: list[int], depth: int = 0) -> None:
    """ValueError unless ``value`` (as unpickled) is a tree of at most ``budget[0]`` nodes and
    ``budget[1]`` tensor elements, nested at most 20 deep, each tensor holding the elements it
    claims (no stride-0 expansion of a small storage): a few kilobytes of shared references cannot
    blow up the grader."""
    import torch

    budget[0] -= 1
    if budget[0] < 0:
        raise ValueError(f"the answers hold more than {MAX_ANSWER_NODES} values")
    if depth > 20:
        raise ValueError("the answers are nested more than 20 deep")
    if torch.is_tensor(value):
        n = value.numel()
        try:
            stored = value.untyped_storage().nbytes() // max(1, value.element_size())
        except Exception:  # a tensor without a plain storage is not plain data
            raise ValueError("the answers hold a tensor without storage") from None
        end = value.storage_offset() + sum((s - 1) * st
                                           for s, st in zip(value.shape, value.stride())
                                           if s > 0) + 1
        if n > stored or (n and end > stored) or any(st < 0 for st in value.stride()):
            raise ValueError(f"a tensor in the answers claims {n} elements but stores {stored}")
        budget[1] -= n
        if budget[1] < 0:
            raise ValueError(f"the answers hold more than {MAX_ANSWER_ELEMENTS} tensor elements")
    elif isinstance(value, (list, tuple)):
        for v in value:
            _within_bounds(v, budget, depth + 1)
    elif isinstance(value, dict):
        for k, v in value.items():
            _within_bounds(k, budget, depth + 1)
            _within_bounds(v, budget, depth + 1)
    elif isinstance(value, str) and len(value) > MAX_ANSWER_BYTES:
        raise ValueError("a string in the answers is too long")
