"""Regenerate the committed cloud assembly ``cdk.out/``: ``python examples/heartrate/synth.py``.

The assembly is committed so that ``lakehose deploy examples/heartrate/cdk.out`` and ``cdk deploy
--app examples/heartrate/cdk.out`` need neither aws-cdk-lib nor Node. It is deterministic (see
``app.build``), and ``cdk.out/sources.json`` records the aws-cdk-lib version and a SHA-256 of every
source it was made from, so a test without aws-cdk-lib can still tell that it is stale.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
# cdk.out links into the package, which ships the assembly for `lakehose demo`; write the real path.
ASSEMBLY = (HERE / "cdk.out").resolve()
SOURCES_FILE = "sources.json"
# What the assembly is made from, relative to this directory (the Lambda directory is expanded).
SOURCES = ("app.py", "heartrate_stack.py", "lambda")
EXCLUDED_PARTS = ("__pycache__",)
EXCLUDED_SUFFIXES = (".pyc",)


def source_files(root: Path = HERE) -> list[str]:
    """The source files under ``root``, relative and sorted, without bytecode."""
    found: list[str] = []
    for name in SOURCES:
        path = root / name
        candidates = sorted(path.rglob("*")) if path.is_dir() else [path]
        for candidate in candidates:
            relative = candidate.relative_to(root)
            if (
                candidate.is_file()
                and not set(EXCLUDED_PARTS) & set(relative.parts)
                and candidate.suffix not in EXCLUDED_SUFFIXES
            ):
                found.append(relative.as_posix())
    return found


def source_digests(root: Path = HERE) -> dict[str, str]:
    return {
        name: hashlib.sha256((root / name).read_bytes()).hexdigest() for name in source_files(root)
    }


def synthesize(target: Path) -> None:
    """Synthesize the app into ``target``, replacing whatever is there."""
    # Imported here so that the digests above work without aws-cdk-lib installed. This
    # directory is on sys.path: it is the script's own, and the tests' conftest adds it.
    from app import build

    with tempfile.TemporaryDirectory() as scratch:
        staging = Path(scratch) / "cdk.out"
        build(staging).synth()
        record = {"aws-cdk-lib": version("aws-cdk-lib"), "sources": source_digests()}
        (staging / SOURCES_FILE).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(staging, target)


if __name__ == "__main__":
    synthesize(ASSEMBLY)
    print(f"wrote {ASSEMBLY}")
