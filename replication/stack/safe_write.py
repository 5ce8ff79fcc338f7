"""Write a stack file without a moment where it is missing or half written, after keeping a copy of the old one.

:func:`write_atomically` writes the new text to a file of its own in the same folder, flushes it to disk, and
renames it over the target with ``os.replace`` (POSIX ``rename(2)``: atomic within one file system), so a crash or
a full disk leaves the old file or the new one, never a truncated one. :func:`back_up` copies a file to a name
not taken yet (``Pulumi.dev.yaml.bak``, then ``.bak.2``, ...), never over an earlier copy, with the file's own
permissions (a stack file holds ciphertext and its salt). A caller replacing a file backs it up first, then
writes: at every moment the user's text exists somewhere. A stack file that is a symbolic link (to a file kept in
another repository, say) stays one: the new text replaces the file the link points to, as a plain write through
the link would, and the link is left as it is.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path


def _create(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` to a new file at ``path`` (``FileExistsError`` if there is one), synced to disk; ``mode``
    as ``open(2)`` takes it (the umask applies)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())


def _backup_names(path: Path) -> Iterator[Path]:
    yield path.with_name(f"{path.name}.bak")
    for number in itertools.count(2):
        yield path.with_name(f"{path.name}.bak.{number}")


def _created(path: Path, data: bytes, mode: int) -> bool:
    """Whether :func:`_create` made ``path`` (``False``: the name is taken)."""
    try:
        _create(path, data, mode)
    except FileExistsError:
        return False
    return True


def back_up(path: Path) -> Path:
    """Copy the file at ``path`` to the first free name of ``<name>.bak``, ``<name>.bak.2``, ... beside it, with
    its permissions; the copy's path."""
    data = path.read_bytes()
    mode = stat.S_IMODE(path.stat().st_mode)
    copy = next(candidate for candidate in _backup_names(path) if _created(candidate, data, mode))
    os.chmod(copy, mode)  # the umask may have narrowed it
    return copy


def write_atomically(path: Path, text: str) -> None:
    """Replace (or create) ``path`` with ``text`` in one step: a temporary file beside it, then ``os.replace``.
    A replaced file's permissions are kept; a new one gets the umask's. Nothing is left behind on failure. When
    ``path`` is a symbolic link, the file it points to (through every link) is the one replaced, beside itself:
    renaming over the link would turn it into a regular file and leave its target as it was."""
    target = path.resolve() if path.is_symlink() else path
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else None
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
    try:
        _create(temporary, text.encode("utf-8"), 0o666)
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable where the platform lets a folder be synced
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
