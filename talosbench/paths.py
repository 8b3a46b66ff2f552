"""Names that become folders, and the check that every path talosbench writes or removes stays in its root.

Suite names, dataset names and run ids each become one folder under a root the user chose (the data
home, the results directory). A name is therefore one plain path component, and every path built
from a root is resolved and checked to lie inside that root before anything is written or removed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from talosbench.errors import USAGE, TalosbenchError

# Letters and digits first, then letters, digits and ``. _ @ + -``: never ``..``, ``/``, ``\`` or empty.
PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]*$")
# Most file systems cap one path component at 255 bytes; keep room for the suffixes the tool adds
# (``.lock``, ``.<name>.<random>.tmp``) to a name.
MAX_NAME_BYTES = 200


class UnsafePathError(TalosbenchError, ValueError):
    """A name that is not one plain path component, or a path that would leave its root."""

    exit_code = USAGE


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a folder name, or None when it can."""
    if not isinstance(name, str) or not PLAIN_NAME.fullmatch(name):
        return f"must be a plain name (letters, digits, . _ - @ +; a letter or digit first), got {name!r}"
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        return f"is {len(name.encode('utf-8'))} bytes long; at most {MAX_NAME_BYTES} fit in a folder name"
    return None


SINGLE_RUNS = "train"
"""The results folder ``talosbench train`` stores its runs in by default: no suite may take it."""


def suite_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a suite (its results folder), or None when it can."""
    if name == SINGLE_RUNS:
        return (
            f"must not be {SINGLE_RUNS!r}: `talosbench train` stores its runs in "
            f"<results-dir>/{SINGLE_RUNS}, and a suite there would mix with them; choose another name"
        )
    return name_problem(name)


def check_name(name: str, what: str) -> str:
    """``name`` unchanged when it is a plain folder name, else ``UnsafePathError`` naming ``what``."""
    problem = name_problem(name)
    if problem is not None:
        raise UnsafePathError(f"{what} {problem}")
    return name


def inside(root: Path | str, path: Path | str) -> Path:
    """``path`` when, with links and ``..`` resolved, it lies inside ``root`` (and is not ``root``).

    Every delete and every write under a user-chosen root goes through this check, so a hostile
    or mistaken name can never reach a folder beside the root or the root itself.
    """
    base = Path(os.path.realpath(Path(root).expanduser()))
    target = Path(os.path.realpath(Path(path).expanduser()))
    if target == base or base not in target.parents:
        raise UnsafePathError(f"refusing to touch {path}: it is not inside {root}")
    return Path(path)
