"""A small, size-limited file system of the test's own, so "the disk is full" is the real ENOSPC of a real file
system: tmpfs first, a loop-mounted ext4 image where tmpfs may not be mounted, a skip (naming why) where neither
can be mounted (mounting needs root or CAP_SYS_ADMIN)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _mount(*args: str) -> str | None:
    """None when the mount worked, else why it did not."""
    if shutil.which("mount") is None:
        return "no mount command"
    done = subprocess.run(["mount", *args], capture_output=True, text=True, check=False, timeout=60)
    return None if done.returncode == 0 else (done.stderr.strip() or f"mount exited {done.returncode}")


@contextmanager
def small_filesystem(size_bytes: int) -> Iterator[Path]:
    """A mounted file system of `size_bytes` for the block, unmounted and removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="aftersales-small-fs-"))
    mountpoint = base / "mnt"
    mountpoint.mkdir()
    tmpfs = _mount("-t", "tmpfs", "-o", f"size={size_bytes},mode=0700", "tmpfs", str(mountpoint))
    loop = None
    if tmpfs is not None:
        image = base / "disk.img"
        with image.open("wb") as handle:
            handle.truncate(size_bytes)
        made = subprocess.run(["mkfs.ext4", "-q", "-F", "-m", "0", str(image)], capture_output=True, text=True,
                              check=False, timeout=60) if shutil.which("mkfs.ext4") else None
        loop = ("no mkfs.ext4" if made is None else made.stderr.strip() if made.returncode
                else _mount("-o", "loop", str(image), str(mountpoint)))
    if tmpfs is not None and loop is not None:
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"cannot mount a size-limited file system here (tmpfs: {tmpfs}; loop image: {loop})")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], capture_output=True, check=False, timeout=60)
        shutil.rmtree(base, ignore_errors=True)
