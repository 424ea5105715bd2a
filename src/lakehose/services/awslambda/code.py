"""Deployment packages: validated zip files, unpacked once per function and code version.

Layout under the engine's directory::

    functions/<name>/<sha256 hex>.zip     the package as uploaded (GetFunction's Code.Location)
    functions/<name>/<sha256 hex>/        the package unpacked: the worker's LAMBDA_TASK_ROOT

Both are written under temporary names and renamed into place, so a crash never leaves a
half-written package where a worker would load it. A package's directory is named by its
content, so the same code deployed twice is unpacked once.

Local deploys hand a directory instead of a zip: ``package_directory`` zips it deterministically
(sorted entries, fixed timestamps), so the same tree always has the same ``CodeSha256``.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import shutil
import stat
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from lakehose.services.awslambda.errors import InvalidParameterValueException

# AWS's limit on the unzipped size of a function's code (250 MB, in bytes).
UNZIPPED_LIMIT = 262_144_000
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class CodePackage:
    """A validated zip file and the digests AWS reports for it."""

    data: bytes

    @property
    def hex_digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def sha256(self) -> str:
        """``CodeSha256``: the base64 of the SHA-256 of the zip file."""
        return base64.b64encode(hashlib.sha256(self.data).digest()).decode()

    @property
    def size(self) -> int:
        return len(self.data)


def read_package(data: bytes) -> CodePackage:
    """``data`` as a package, or ``InvalidParameterValueException`` as AWS rejects it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if any(_unsafe(member.filename) for member in members):
                # An entry that would land outside the task root cannot be unpacked where AWS
                # puts code.
                raise InvalidParameterValueException.bad_zip()
            unzipped = sum(member.file_size for member in members)
            if unzipped > UNZIPPED_LIMIT:
                raise InvalidParameterValueException(
                    f"Unzipped size must be smaller than {UNZIPPED_LIMIT} bytes"
                )
            # Read every member now (bounded by the size check above): a valid directory over a
            # damaged entry is refused here, as AWS does, not when the function first runs.
            if archive.testzip() is not None:
                raise InvalidParameterValueException.bad_zip()
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError):
        raise InvalidParameterValueException.bad_zip() from None
    return CodePackage(data)


def package_directory(directory: Path) -> CodePackage:
    """A deterministic zip of everything under ``directory`` (for local deploys)."""
    root = directory.resolve()
    if not root.is_dir():
        raise InvalidParameterValueException(f"Code directory {directory} does not exist.")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            if not path.is_file() or "__pycache__" in path.relative_to(root).parts:
                continue
            info = zipfile.ZipInfo(path.relative_to(root).as_posix(), _FIXED_TIME)
            info.external_attr = (stat.S_IMODE(path.stat().st_mode) | stat.S_IFREG) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return read_package(buffer.getvalue())


def _unsafe(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts


class CodeStore:
    """Unpacked packages under ``<engine directory>/functions``."""

    def __init__(self, directory: Path) -> None:
        self.root = directory / "functions"

    def task_root(self, name: str, hex_digest: str) -> Path:
        return self.root / name / hex_digest

    def archive(self, name: str, hex_digest: str) -> Path:
        return self.root / name / f"{hex_digest}.zip"

    def install(self, name: str, package: CodePackage) -> Path:
        """Unpack ``package`` for ``name`` (once) and return its task root."""
        target = self.task_root(name, package.hex_digest)
        archive = self.archive(name, package.hex_digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not archive.exists():
            _write_atomically(archive, package.data)
        if target.is_dir():
            return target
        staging = target.with_name(f"{target.name}.unpacking-{os.getpid()}-{threading.get_ident()}")
        shutil.rmtree(staging, ignore_errors=True)
        with zipfile.ZipFile(io.BytesIO(package.data)) as source:
            for member in source.infolist():
                _extract(source, member, staging)
        staging.mkdir(exist_ok=True)  # an empty zip is still a (useless) task root
        try:
            staging.rename(target)
        except OSError:
            # Another thread installed the same code first; its copy is identical.
            shutil.rmtree(staging, ignore_errors=True)
        return target

    def remove(self, name: str, hex_digest: str) -> None:
        shutil.rmtree(self.task_root(name, hex_digest), ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            self.archive(name, hex_digest).unlink()

    def remove_function(self, name: str) -> None:
        shutil.rmtree(self.root / name, ignore_errors=True)

    def prune(self, keep: dict[str, set[str]]) -> None:
        """Delete packages no function or version uses (left by a crash between unpacking and
        commit)."""
        if not self.root.is_dir():
            return
        for function_dir in self.root.iterdir():
            current = keep.get(function_dir.name)
            if current is None:
                shutil.rmtree(function_dir, ignore_errors=True)
                continue
            names = current | {f"{digest}.zip" for digest in current}
            for entry in function_dir.iterdir():
                if entry.name not in names:
                    if entry.is_dir():
                        shutil.rmtree(entry, ignore_errors=True)
                    else:
                        entry.unlink(missing_ok=True)


def _extract(source: zipfile.ZipFile, member: zipfile.ZipInfo, root: Path) -> None:
    destination = root.joinpath(*PurePosixPath(member.filename.replace("\\", "/")).parts)
    if member.is_dir():
        destination.mkdir(parents=True, exist_ok=True)
        return
    destination.parent.mkdir(parents=True, exist_ok=True)
    with source.open(member) as reader, destination.open("wb") as writer:
        shutil.copyfileobj(reader, writer)
    # Keep the execute bits a package carries (scripts, binaries); default to rw-r--r--.
    mode = (member.external_attr >> 16) & 0o777
    destination.chmod(mode | 0o600 if mode else 0o644)


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f"{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
