"""Fixtures for the example's tests: the app's directory on ``sys.path`` and its template.

Tests that need aws-cdk-lib (the ``cdk`` extra) take the ``template`` or ``cdk`` fixture and are
skipped, saying why, when it is not installed. The rest read the committed ``cdk.out``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

APP_DIR = Path(__file__).resolve().parents[1]
ASSEMBLY = APP_DIR / "cdk.out"
# app.py, synth.py and heartrate_stack.py import each other by their file names.
sys.path.insert(0, str(APP_DIR))


@pytest.fixture(scope="session")
def cdk() -> ModuleType:
    return pytest.importorskip(
        "aws_cdk", reason="aws-cdk-lib is not installed (pip install -e '.[cdk]')"
    )


@pytest.fixture(scope="session")
def template(cdk: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The synthesized stack as ``aws_cdk.assertions.Template``."""
    from app import build
    from aws_cdk.assertions import Template
    from heartrate_stack import STACK_NAME

    app = build(tmp_path_factory.mktemp("cdk.out"))
    return Template.from_stack(app.node.find_child(STACK_NAME))


@pytest.fixture(scope="session")
def committed_template() -> dict[str, Any]:
    """The template in the committed assembly (no aws-cdk-lib needed)."""
    manifest = json.loads((ASSEMBLY / "manifest.json").read_text())
    (stack,) = (
        a for a in manifest["artifacts"].values() if a["type"] == "aws:cloudformation:stack"
    )
    document: dict[str, Any] = json.loads(
        (ASSEMBLY / stack["properties"]["templateFile"]).read_text()
    )
    return document
