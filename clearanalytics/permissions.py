"""Private files: the data dir 0700 and everything in it 0600, whatever umask the process was started with.

The database holds every visit and the secret key signs every session; under the usual
umask 022 DuckDB created them (and its WAL, and the spool) world-readable in a 0755 dir.
The CLI sets umask 077 for the whole process, so every file created later (WAL, spool
segments, control socket) is private from birth, and an existing data dir is tightened
when a command opens it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
DIR_MODE = 0o700
FILE_MODE = 0o600


def restrict_umask() -> None:
    """New files and directories of this process: owner only."""
    os.umask(PRIVATE_UMASK)


def secure_data_dir(data_dir: Path) -> None:
    """chmod the data dir 0700 and what it holds (files 0600, folders 0700), leaving symlinks alone."""
    data_dir = Path(data_dir)
    _chmod(data_dir, DIR_MODE)
    for root, dirs, files in os.walk(data_dir):
        for name in dirs:
            _chmod(Path(root) / name, DIR_MODE)
        for name in files:
            _chmod(Path(root) / name, FILE_MODE)


def _chmod(path: Path, mode: int) -> None:
    try:
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode) or stat.S_IMODE(st.st_mode) == mode:
            return
        path.chmod(mode)
    except (FileNotFoundError, PermissionError):
        pass  # gone meanwhile (a spool segment), or not ours: the owner's own files are what matters
