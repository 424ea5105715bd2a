#!/usr/bin/env bash
# Install what the compatibility and conformance suites drive, from the locks, into .clients/
# and tests/clients/js/node_modules. Tests never install anything themselves; .ci/run calls this.
#
#   bash scripts/test-clients.sh
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python}

mkdir -p .clients
# The oldest boto3/botocore generation, importable with PYTHONPATH=.clients/boto3-oldest.
rm -rf .clients/boto3-oldest
"$python" -m pip install --quiet --require-hashes --no-deps --target .clients/boto3-oldest \
    -r locks/clients-oldest.txt
# moto's sdist, which ships the AWS-verified tests (the installed moto has none).
"$python" -m pip download --quiet --require-hashes --no-deps --no-binary :all: \
    -d .clients -r locks/moto-tests.txt
# The AWS SDK for JavaScript v3, exactly as tests/clients/js/package-lock.json pins it.
if [ -f tests/clients/js/package-lock.json ]; then
    npm ci --prefix tests/clients/js --no-audit --no-fund --loglevel=error
fi
