#!/usr/bin/env bash
# Regenerate every lock in locks/ from pyproject.toml and the locks/*.in files.
#
#   bash scripts/lock.sh            (needs uv: it is in the dev extra)
#
# Moving to newer dependencies is this one command plus whatever depends on the versions, in the
# same commit: `python scripts/coverage.py` (operations per botocore model) and
# `python examples/heartrate/synth.py` (the committed CDK assembly). .ci/run installs only from
# these files, with pip's --require-hashes.
set -euo pipefail
cd "$(dirname "$0")/.."

compile() {
    uv pip compile --quiet --generate-hashes --universal --python-version 3.11 "$@"
}

# Everything CI and developers install: runtime, dev and cdk extras, and the build backend.
compile pyproject.toml locks/build.in --extra dev --extra cdk -o locks/dev.txt
# What a user's `pip install lakehose` needs, at the same versions as dev.txt.
compile pyproject.toml -c locks/dev.txt -o locks/runtime.txt
# The oldest SDK generation the compatibility tests drive.
compile locks/clients-oldest.in -o locks/clients-oldest.txt
# moto's source distribution ships the AWS-verified tests the DynamoDB conformance suite runs;
# the same version as the installed moto, pinned by the same hashes.
moto=$(sed -n 's/^moto==\([^ ]*\).*/\1/p' locks/dev.txt)
echo "moto==${moto}" > locks/moto-tests.in
compile --no-deps locks/moto-tests.in -o locks/moto-tests.txt
