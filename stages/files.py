"""Write artifacts so that a reader never sees a partial file.

Every artifact is written to a temporary name in its own directory and renamed into
place once complete: a failure leaves the previous good file, and no partial one. A
process killed outright (``SIGKILL``, a power cut) cannot remove its temporary
file: it stays as a hidden ``.<name>.<random>.tmp`` beside the artifact, which no
stage reads.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from stages.console import AirlockError

__all__ = ["unwritable", "write_atomically"]


def unwritable(directory: Path) -> str | None:
    """Why files cannot be written to ``directory`` (which need not exist yet), or
    None: its nearest existing ancestor must be a directory this process may
    write to. Nothing is created."""
    existing = next(path for path in (directory, *directory.parents) if _exists(path))
    try:
        is_directory = existing.is_dir()
    except OSError:  # cannot be examined: the access check below says why
        is_directory = True
    if not is_directory:
        if existing == directory:
            return "exists and is not a directory"
        return f"is under {existing}, which exists and is not a directory"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not writable"
    return None


def _exists(path: Path) -> bool:
    """Whether ``path`` exists; one that cannot be examined is taken to exist."""
    try:
        path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        return True
    return True


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
    except OSError as error:
        raise AirlockError(
            f"{path.parent}: cannot write here ({error.strerror}); "
            "choose another output directory with --out"
        ) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise AirlockError(
            f"{path}: could not be written ({error.strerror or error}); "
            "an earlier file there is unchanged"
        ) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
