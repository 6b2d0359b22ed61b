"""Where recording files live (TEL-6): a small storage interface and a local-directory backend.

Services talk to :class:`RecordingStorage` only, so an S3-compatible backend can be added
later by implementing the same four methods and choosing it in :func:`recording_storage`;
none is built yet. Keys are relative paths such as ``iwaki/2026/01/05/<uuid>.wav``; they
are checked against a strict pattern before any file-system call, so no key can reach
outside the root (no ``..``, no absolute paths, no backslashes, no hidden names).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

from django.conf import settings

# Path segments of letters, digits, "_" and "-", optionally with one extension; the first
# character of a segment is never a dot, so "." and ".." cannot appear.
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(/[A-Za-z0-9][A-Za-z0-9_-]*)*(\.[a-z0-9]{1,8})?")
_MAX_KEY = 200  # Recording.storage_key's max_length


class StorageKeyError(ValueError):
    """A key that is not a plain relative path (a programming error, never user input)."""


class RecordingStorage(Protocol):
    """What the recordings services need from a storage backend."""

    def save(self, key: str, data: bytes) -> None:
        """Store ``data`` under a new key; an existing key is never overwritten."""

    @staticmethod
    def _make_dirs(directory: Path) -> None:
        """Every missing level owner-only (``mkdir -p`` would ignore the mode above the leaf)."""
        missing = []
        while not directory.exists():
            missing.append(directory)
            directory = directory.parent
        for level in reversed(missing):
            level.mkdir(mode=0o700, exist_ok=True)

    def open(self, key: str) -> BinaryIO:
        """Open the stored bytes for reading; the caller closes the file."""

    def delete(self, key: str) -> None:
        """Remove the bytes; deleting a missing key is not an error (retries are safe)."""

    def exists(self, key: str) -> bool: ...


def validate_key(key: str) -> str:
    if len(key) > _MAX_KEY or not _KEY.fullmatch(key):
        raise StorageKeyError(f"invalid recording storage key {key!r}")
    return key


class LocalRecordingStorage:
    """Files under one directory, written atomically (temporary file, fsync, rename), so
    a crash never leaves a half-written recording under its final name (REL-1)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        path = self.root / validate_key(key)
        # Belt and braces: a symlink inside the root must not lead outside it either.
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise StorageKeyError(f"recording storage key {key!r} leaves the root")
        return path

    def save(self, key: str, data: bytes) -> None:
        path = self.path(key)
        self._make_dirs(path.parent)
        if path.exists():
            raise FileExistsError(f"recording {key!r} already exists")
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.link(temporary, path)  # fails if the key appeared meanwhile: never overwrite
        finally:
            os.unlink(temporary)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the new name itself survives a power cut
        finally:
            os.close(directory)

    @staticmethod
    def _make_dirs(directory: Path) -> None:
        """Every missing level owner-only (``mkdir -p`` would ignore the mode above the leaf)."""
        missing = []
        while not directory.exists():
            missing.append(directory)
            directory = directory.parent
        for level in reversed(missing):
            level.mkdir(mode=0o700, exist_ok=True)

    def open(self, key: str) -> BinaryIO:
        return self.path(key).open("rb")

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()


def recording_storage() -> RecordingStorage:
    """The configured backend. Read on every call, so tests can point it elsewhere."""
    root = getattr(settings, "RECORDINGS_DIR", None) or settings.VAR_DIR / "recordings"
    return LocalRecordingStorage(root)
