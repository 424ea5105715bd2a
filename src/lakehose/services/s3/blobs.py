"""Object data on the filesystem: immutable, randomly named files, published by atomic rename.

Layout under the engine's directory::

    tmp/                     files being written; anything here at start is from a crash
    data/<bucket id>/<blob>  one file per object or uploaded part

One flat directory per bucket: a fan-out into sub-directories would cost two more fsyncs each
time one is created, and the filesystem's hashed directories do not need it.

Keys never become paths. A blob's name is 32 random hex digits (from the OS, never from the
seedable id generator, so that two runtimes with one seed cannot pick the same name), and its
directory is the bucket's numeric id, which SQLite never reuses. So no key, however hostile,
reaches the filesystem, and two keys never share a file.

Writing a blob, in order:

1. write it under ``tmp/`` and fsync it;
2. rename it into ``data/`` and fsync the directory, so the name survives too;
3. (the caller) commit the metadata row that points at it;
4. (the caller) unlink the blob the row used to point at, if any.

A crash before 3 leaves an unreferenced blob, a crash between 3 and 4 an orphaned old one; both
are removed by ``collect()`` when the engine starts. A row never points at a missing or partial
file, since the file was complete and durable before the row existed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import BinaryIO


class BlobStore:
    """Immutable data files of one S3 engine."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.tmp = root / "tmp"
        self._known_dirs: set[Path] = set()
        self._lock = threading.Lock()

    def bucket_dir(self, bucket_id: int) -> Path:
        return self.data / str(bucket_id)

    def path(self, bucket_id: int, blob: str) -> Path:
        return self.bucket_dir(bucket_id) / blob

    def open(self, bucket_id: int, blob: str) -> BinaryIO:
        return self.path(bucket_id, blob).open("rb")

    def write(self, bucket_id: int, chunks: Iterable[bytes]) -> str:
        """A new durable blob holding ``chunks``; returns its name (steps 1 and 2)."""
        blob = secrets.token_hex(16)
        self._ensure_dir(self.tmp)
        temporary = self.tmp / blob
        try:
            with temporary.open("wb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            self._publish(temporary, self.path(bucket_id, blob))
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return blob

    def write_ranges(self, bucket_id: int, sources: Iterable[tuple[Path, int, int]]) -> str:
        """A new blob concatenating ``(path, offset, length)`` ranges of existing blobs."""
        return self.write(bucket_id, read_ranges(sources))

    def clone(self, source: Path, bucket_id: int) -> str:
        """A new blob with ``source``'s bytes: a hard link, since blobs are never modified."""
        blob = secrets.token_hex(16)
        target = self.path(bucket_id, blob)
        self._ensure_dir(target.parent)
        try:
            os.link(source, target)
        except OSError:
            # A filesystem without hard links: copy instead.
            return self.write_ranges(bucket_id, [(source, 0, source.stat().st_size)])
        _fsync_dir(target.parent)
        return blob

    def discard(self, bucket_id: int, blobs: Iterable[str]) -> None:
        """Unlink blobs no row points at any more (step 4); already gone is fine."""
        for blob in blobs:
            self.path(bucket_id, blob).unlink(missing_ok=True)

    def drop_bucket(self, bucket_id: int) -> None:
        directory = self.bucket_dir(bucket_id)
        shutil.rmtree(directory, ignore_errors=True)
        with self._lock:
            self._known_dirs = {d for d in self._known_dirs if not d.is_relative_to(directory)}

    def collect(self, referenced: Mapping[int, set[str]]) -> int:
        """Remove what a crash left: temporary files, unreferenced blobs, dropped buckets.

        Runs at start, before any request, when no write can be in flight. Returns the number
        of files removed.
        """
        removed = 0
        if self.tmp.is_dir():
            for leftover in self.tmp.iterdir():
                leftover.unlink(missing_ok=True)
                removed += 1
        if not self.data.is_dir():
            return removed
        for directory in self.data.iterdir():
            bucket_id = int(directory.name) if directory.name.isdigit() else None
            if bucket_id is None or bucket_id not in referenced:
                removed += sum(1 for path in directory.rglob("*") if path.is_file())
                _remove(directory)
                continue
            keep = referenced[bucket_id]
            for path in directory.iterdir():
                if path.name not in keep:
                    _remove(path)
                    removed += 1
        return removed

    def _publish(self, temporary: Path, target: Path) -> None:
        self._ensure_dir(target.parent)
        os.rename(temporary, target)
        _fsync_dir(target.parent)

    def _ensure_dir(self, directory: Path) -> None:
        with self._lock:
            if directory in self._known_dirs:
                return
        if not directory.is_dir():
            if not directory.parent.is_dir():
                self._ensure_dir(directory.parent)
            directory.mkdir(exist_ok=True)
            # A new directory's own name must be durable before names inside it mean anything.
            _fsync_dir(directory.parent)
        with self._lock:
            self._known_dirs.add(directory)


def read_ranges(sources: Iterable[tuple[Path, int, int]]) -> Iterable[bytes]:
    """The bytes of ``(path, offset, length)`` ranges, in order, a MiB at a time."""
    chunk_size = 1 << 20
    for path, offset, length in sources:
        with path.open("rb") as handle:
            handle.seek(offset)
            remaining = length
            while remaining > 0:
                chunk = handle.read(min(chunk_size, remaining))
                if not chunk:
                    raise OSError(f"{path} is shorter than expected")
                remaining -= len(chunk)
                yield chunk


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
