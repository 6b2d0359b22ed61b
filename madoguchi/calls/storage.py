"""Where recording files live (TEL-6): a small storage interface and two backends.

Services talk to :class:`RecordingStorage` only; :func:`recording_storage` returns the
configured backend: a local directory (:class:`LocalRecordingStorage`, the default) or an
S3-compatible bucket (:class:`S3RecordingStorage`: AWS S3, MinIO, Ceph RGW, …). Keys are
relative paths such as ``iwaki/2026/01/05/<uuid>.wav``; they are checked against a strict
pattern before any file-system call or request, so no key can reach outside the root or
the configured prefix (no ``..``, no absolute paths, no backslashes, no hidden names).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Any, BinaryIO, Protocol, cast

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Path segments of letters, digits, "_" and "-", optionally with one extension; the first
# character of a segment is never a dot, so "." and ".." cannot appear.
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(/[A-Za-z0-9][A-Za-z0-9_-]*)*(\.[a-z0-9]{1,8})?")
_MAX_KEY = 200  # Recording.storage_key's max_length

logger = logging.getLogger(__name__)


class StorageKeyError(ValueError):
    """A key that is not a plain relative path (a programming error, never user input)."""


class RecordingStorage(Protocol):
    """What the recordings services need from a storage backend.

    Failures of the storage itself (a full disk, an unreachable or refusing server) are
    ``OSError``s in every backend, so the retention job retries a recording whose file
    could not be removed, whatever the backend.
    """

    def save(self, key: str, data: bytes) -> None:
        """Store ``data`` under a new key; an existing key is never overwritten
        (``FileExistsError``)."""

    def open(self, key: str) -> BinaryIO:
        """Open the stored bytes for reading (a seekable file; a missing key is
        ``FileNotFoundError``); the caller closes the file."""

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


class RecordingStorageError(OSError):
    """The storage server refused or failed a request (an ``OSError``, like a disk's)."""


# Error codes an S3-compatible server answers when it does not implement a conditional
# PUT (``If-None-Match: *``); the save then relies on the HEAD it made just before.
_CONDITIONAL_PUT_REFUSED = {"NotImplemented", "InvalidArgument", "InvalidRequest"}
# Downloaded recordings stay in memory up to this size, then spill to an unnamed
# owner-only temporary file (a one-hour 8 kHz 16-bit recording is about 58 MB).
_SPOOL_MAX = 16 * 1024 * 1024
_CHUNK = 1024 * 1024


def _status(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _no_such_key(error: ClientError) -> bool:
    """A 404 about the object, not about the bucket (a misnamed or removed bucket is a
    storage failure, not a missing recording). HEAD answers carry no error code, so a
    HEAD cannot tell the two apart: ``exists`` is False in both cases."""
    return _status(error) == 404 and _code(error) != "NoSuchBucket"


class S3RecordingStorage:
    """Objects in one bucket of an S3-compatible server (AWS S3, MinIO, Ceph RGW, …).

    Credentials are never passed here: boto3 finds them the standard way (the
    ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` environment variables, a profile,
    or the instance role). Objects are written with server-side encryption requested
    (``sse``) and never overwritten: a HEAD first (which also covers servers that ignore
    conditional requests), then a conditional PUT (``If-None-Match: *``) so that two
    writers racing for one key cannot both succeed; a server that refuses the condition
    gets a plain PUT after the HEAD (keys are fresh UUIDs, so the race is theoretical).
    Every failure of the server is a :class:`RecordingStorageError` (an ``OSError``).
    """

    def __init__(
        self,
        *,
        bucket: str,
        prefix: str = "",
        endpoint_url: str = "",
        region: str = "",
        sse: bool = True,
    ) -> None:
        import boto3  # 0.2 s to import: only installations using S3 pay it
        from botocore.config import Config

        if not bucket:
            raise ImproperlyConfigured(
                "RECORDINGS_STORAGE is 's3' but RECORDINGS_S3_BUCKET is empty: set "
                "MADOGUCHI_RECORDINGS_S3_BUCKET to the bucket that holds the recordings."
            )
        prefix = prefix.strip("/")
        if prefix and (len(prefix) > 200 or not _KEY.fullmatch(prefix)):
            raise ImproperlyConfigured(
                f"RECORDINGS_S3_PREFIX {prefix!r} must be plain path segments of letters, "
                "digits, '_' and '-' separated by '/' (e.g. 'madoguchi/recordings')."
            )
        self.bucket = bucket
        self.prefix = f"{prefix}/" if prefix else ""
        self.sse = sse
        self._conditional_put = True
        # A session of its own: boto3's default session is not safe to share between
        # threads; the client made from it is.
        self.client: Any = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or None,
            config=Config(
                connect_timeout=10,
                read_timeout=60,
                retries={"mode": "standard", "max_attempts": 3},
            ),
        )

    def object_key(self, key: str) -> str:
        return self.prefix + validate_key(key)

    def _error(self, action: str, key: str, exc: Exception) -> RecordingStorageError:
        return RecordingStorageError(
            f"recording storage: {action} {key!r} in bucket {self.bucket!r} failed: {exc}"
        )

    def _head(self, name: str, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=name)
        except ClientError as exc:
            if _no_such_key(exc):
                return False
            # A 403 here is often a missing object seen without s3:ListBucket.
            raise self._error("HEAD", key, exc) from exc
        except BotoCoreError as exc:
            raise self._error("HEAD", key, exc) from exc
        return True

    def save(self, key: str, data: bytes) -> None:
        name = self.object_key(key)
        if self._head(name, key):
            raise FileExistsError(f"recording {key!r} already exists")
        put: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": name,
            "Body": data,
            "ContentType": "audio/wav" if key.endswith(".wav") else "application/octet-stream",
            "Metadata": {"sha256": hashlib.sha256(data).hexdigest()},
        }
        if self.sse:
            put["ServerSideEncryption"] = "AES256"
        try:
            try:
                if self._conditional_put:
                    self.client.put_object(IfNoneMatch="*", **put)
                else:
                    self.client.put_object(**put)
            except ClientError as exc:
                if _status(exc) in (409, 412):  # someone wrote the key meanwhile
                    raise FileExistsError(f"recording {key!r} already exists") from exc
                if not self._conditional_put or not (
                    _status(exc) == 501 or _code(exc) in _CONDITIONAL_PUT_REFUSED
                ):
                    raise
                self.client.put_object(**put)  # the HEAD above found no object
                self._conditional_put = False
                logger.warning(
                    "recordings bucket %s refuses conditional PUTs (%s); relying on HEAD "
                    "before each write",
                    self.bucket,
                    _code(exc) or _status(exc),
                )
        except (ClientError, BotoCoreError) as exc:
            raise self._error("PUT", key, exc) from exc

    def open(self, key: str) -> BinaryIO:
        name = self.object_key(key)
        file = tempfile.SpooledTemporaryFile(max_size=_SPOOL_MAX)
        try:
            try:
                response = self.client.get_object(Bucket=self.bucket, Key=name)
                for chunk in response["Body"].iter_chunks(_CHUNK):
                    file.write(chunk)
            except ClientError as exc:
                if _no_such_key(exc):
                    raise FileNotFoundError(f"recording {key!r} not found") from exc
                raise self._error("GET", key, exc) from exc
            except BotoCoreError as exc:
                raise self._error("GET", key, exc) from exc
            file.seek(0)
        except BaseException:
            file.close()
            raise
        return cast(BinaryIO, file)

    def delete(self, key: str) -> None:
        name = self.object_key(key)
        try:
            self.client.delete_object(Bucket=self.bucket, Key=name)  # a missing key is 204
        except (ClientError, BotoCoreError) as exc:
            raise self._error("DELETE", key, exc) from exc

    def exists(self, key: str) -> bool:
        return self._head(self.object_key(key), key)


_s3_storages: dict[tuple[str, str, str, str, bool], S3RecordingStorage] = {}
_s3_lock = threading.Lock()


def _s3_storage(config: tuple[str, str, str, str, bool]) -> S3RecordingStorage:
    """One backend (one boto3 client, its connection pool) per configuration."""
    with _s3_lock:
        storage = _s3_storages.get(config)
        if storage is None:
            bucket, prefix, endpoint_url, region, sse = config
            storage = S3RecordingStorage(
                bucket=bucket, prefix=prefix, endpoint_url=endpoint_url, region=region, sse=sse
            )
            _s3_storages[config] = storage
        return storage


def recording_storage() -> RecordingStorage:
    """The configured backend. Settings are read on every call, so tests can point it
    elsewhere; a misconfiguration raises ``ImproperlyConfigured`` here, at first use."""
    kind = getattr(settings, "RECORDINGS_STORAGE", "local") or "local"
    if kind == "local":
        root = getattr(settings, "RECORDINGS_DIR", None) or settings.VAR_DIR / "recordings"
        return LocalRecordingStorage(root)
    if kind == "s3":
        return _s3_storage(
            (
                getattr(settings, "RECORDINGS_S3_BUCKET", ""),
                getattr(settings, "RECORDINGS_S3_PREFIX", ""),
                getattr(settings, "RECORDINGS_S3_ENDPOINT_URL", ""),
                getattr(settings, "RECORDINGS_S3_REGION", ""),
                bool(getattr(settings, "RECORDINGS_S3_SSE", True)),
            )
        )
    raise ImproperlyConfigured(
        f"RECORDINGS_STORAGE must be 'local' or 's3', not {kind!r} "
        "(environment variable MADOGUCHI_RECORDINGS_STORAGE)."
    )
