"""The CDK app: ``python app.py`` (or ``cdk synth``) writes the cloud assembly to ``cdk.out``.

``python synth.py`` is what regenerates the committed assembly; it calls ``build`` below.
"""

from __future__ import annotations

import os
from pathlib import Path

import aws_cdk as cdk
from heartrate_stack import STACK_NAME, HeartRateStack

HERE = Path(__file__).resolve().parent

# Set here rather than in cdk.json so that ``python app.py``, ``cdk synth`` and the tests all
# produce the same assembly. Path and asset metadata are what the CDK CLI turns on by default.
CONTEXT = {
    "aws:cdk:enable-path-metadata": True,
    "aws:cdk:enable-asset-metadata": True,
    "aws:cdk:disable-stack-trace": True,
}


def build(outdir: str | Path) -> cdk.App:
    """The app, writing to ``outdir``, with nothing machine- or time-dependent in its output."""
    app = cdk.App(
        outdir=str(outdir),
        context=CONTEXT,
        # No AWS::CDK::Metadata resource: it encodes the CDK version and construct usage.
        analytics_reporting=False,
        # No construct stack traces: they hold this machine's file paths.
        stack_traces=False,
        # No tree.json: the console view of the construct tree is not needed to deploy.
        tree_metadata=False,
    )
    HeartRateStack(app, STACK_NAME)
    return app


if __name__ == "__main__":
    build(os.environ.get("CDK_OUTDIR", HERE / "cdk.out")).synth()
