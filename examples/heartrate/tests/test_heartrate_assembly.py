"""The committed ``cdk.out``: fresh, self-consistent, and ``cfn-lint`` clean.

Only ``test_assembly_is_what_synth_writes`` needs aws-cdk-lib; the others guard the committed
files on a machine without it (CI installs only the ``dev`` extra).
"""

from __future__ import annotations

import filecmp
import json
from pathlib import Path
from typing import Any

import pytest
import synth
from cfnlint.api import ManualArgs, lint_file

ASSEMBLY = synth.ASSEMBLY

STALE = "examples/heartrate/cdk.out is stale: run `python examples/heartrate/synth.py`"
# CDK's own constructs (the Lambda function and the auto-delete provider) add a DependsOn on the
# role they also reference; cfn-lint flags the redundancy, which is harmless.
IGNORED_CHECKS = ["W3005"]


def _recorded() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((ASSEMBLY / synth.SOURCES_FILE).read_text())
    return document


def _tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_recorded_sources_match_the_sources() -> None:
    assert _recorded()["sources"] == synth.source_digests(), STALE


def test_lambda_asset_is_the_lambda_directory(committed_template: dict[str, Any]) -> None:
    (function,) = (
        r
        for r in committed_template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
        and r["Properties"]["Handler"] == "transform.handler"
    )
    asset_dir = ASSEMBLY / function["Metadata"]["aws:asset:path"]
    asset_hash = asset_dir.name.removeprefix("asset.")
    assert function["Properties"]["Code"]["S3Key"] == f"{asset_hash}.zip"

    manifest = json.loads((ASSEMBLY / "heartrate.assets.json").read_text())
    assert manifest["files"][asset_hash]["source"] == {
        "path": asset_dir.name,
        "packaging": "zip",
    }
    lambda_dir = synth.HERE / "lambda"
    sources = [name.removeprefix("lambda/") for name in synth.source_files() if "lambda/" in name]
    assert _tree(asset_dir) == sources, STALE
    for name in sources:
        assert (asset_dir / name).read_bytes() == (lambda_dir / name).read_bytes(), STALE


def test_every_asset_the_manifests_name_is_committed() -> None:
    manifest = json.loads((ASSEMBLY / "manifest.json").read_text())
    for artifact in manifest["artifacts"].values():
        if artifact["type"] != "cdk:asset-manifest":
            continue
        assets = json.loads((ASSEMBLY / artifact["properties"]["file"]).read_text())
        for entry in assets["files"].values():
            assert (ASSEMBLY / entry["source"]["path"]).exists(), entry["source"]["path"]


def test_template_is_cfn_lint_clean() -> None:
    template = next(ASSEMBLY.glob("*.template.json"))
    matches = lint_file(template, ManualArgs(ignore_checks=IGNORED_CHECKS))
    assert [str(m) for m in matches] == []


@pytest.mark.slow  # a full synthesis through jsii: about 25 s
def test_assembly_is_what_synth_writes(cdk: Any, tmp_path: Path) -> None:
    from importlib.metadata import version

    recorded = _recorded()["aws-cdk-lib"]
    assert version("aws-cdk-lib") == recorded, (
        f"the assembly was synthesized with aws-cdk-lib {recorded}; install that version "
        "(pip install -e '.[cdk]') or, to move to another, change the pin and run synth.py"
    )
    fresh = tmp_path / "cdk.out"
    synth.synthesize(fresh)
    assert _tree(fresh) == _tree(ASSEMBLY), STALE
    _, mismatch, errors = filecmp.cmpfiles(fresh, ASSEMBLY, _tree(fresh), shallow=False)
    assert mismatch == errors == [], STALE
