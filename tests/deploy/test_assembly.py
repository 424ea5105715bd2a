"""Cloud assemblies: stacks in dependency order, assets from cdk.out, CDK's custom resources.

``fixtures/cdk.out`` is a hand-written assembly shaped as ``cdk synth`` writes one: two stacks
(one importing the other's export), the bootstrap-version parameter and rule, a Python Lambda
asset, and a bucket with ``autoDeleteObjects`` (its custom resource and Node.js provider).
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from pathlib import Path

import pytest

from lakehose.deploy import CloudAssembly, Deployer
from lakehose.deploy.errors import AssemblyError
from tests.deploy.conftest import ACCOUNT, REGION, Clients, Recorder

FIXTURE = Path(__file__).parent / "fixtures" / "cdk.out"
TRANSFORM = "aa214ea38326805d95661c3ad1643cc07f88e2bae0438ac0448a66d93335ca6e"
PROVIDER_FUNCTION = "CustomS3AutoDeleteObjectsCustomResourceProviderHandler9D90184F"
ASSET_BUCKET = f"cdk-hnb659fds-assets-{ACCOUNT}-{REGION}"


def test_stacks_come_dependencies_first() -> None:
    assembly = CloudAssembly(FIXTURE)
    assert [s.stack_name for s in assembly.stacks()] == ["FixtureBase", "FixtureStack"]
    assert [s.stack_name for s in assembly.select(["FixtureStack"])] == [
        "FixtureBase",
        "FixtureStack",
    ]
    assert [s.stack_name for s in assembly.select(["FixtureBase"])] == ["FixtureBase"]
    with pytest.raises(AssemblyError, match="no stack named Nope"):
        assembly.select(["Nope"])


def test_assets_map_the_bootstrap_bucket_to_local_files() -> None:
    (stack,) = CloudAssembly(FIXTURE).select(["FixtureStack"])[1:]
    assets = stack.assets(account_id=ACCOUNT, region=REGION)
    asset = assets.lookup(ASSET_BUCKET, f"{TRANSFORM}.zip")
    assert asset is not None
    assert asset.path == FIXTURE / f"asset.{TRANSFORM}"
    with zipfile.ZipFile(io.BytesIO(asset.read())) as archive:
        assert archive.namelist() == ["index.py"]
    assert assets.lookup(ASSET_BUCKET, "unknown.zip") is None
    assert (
        stack.assets(account_id="111111111111", region=REGION).lookup(
            ASSET_BUCKET, f"{TRANSFORM}.zip"
        )
        is None
    )


def test_a_directory_without_a_manifest_is_refused(tmp_path: Path) -> None:
    assert not CloudAssembly.is_assembly(tmp_path)
    (tmp_path / "manifest.json").write_text('{"version": "36.0.0"}')
    with pytest.raises(AssemblyError, match="lists no artifacts"):
        CloudAssembly(tmp_path)


def test_assembly_deploys_runs_its_asset_and_empties_its_bucket_on_destroy(
    clients: Clients, deployer: Deployer, recorder: Recorder
) -> None:
    base, stack = CloudAssembly(FIXTURE).stacks()
    deployer.deploy_artifact(base)
    state = deployer.deploy_artifact(stack)
    outputs = {o.key: o.value for o in state.outputs}
    assert state.imports == ["FixtureBase:ExportsOutputFnGetAttStream790BDEE4Arn97D9EF29"]

    # The function runs the asset's code: the article's newline transform, in Python.
    event = {"records": [{"recordId": "1", "data": base64.b64encode(b'{"a":1}').decode()}]}
    answer = clients("lambda").invoke(
        FunctionName=outputs["TransformArn"], Payload=json.dumps(event).encode()
    )
    (record,) = json.loads(answer["Payload"].read())["records"]
    assert base64.b64decode(record["data"]) == b'{"a":1}\n'

    # CDK's auto-delete provider is recorded, never created.
    provider = state.resources[PROVIDER_FUNCTION]
    assert not provider.enforced
    assert "handled natively" in provider.note
    with pytest.raises(Exception, match="ResourceNotFoundException"):
        clients("lambda").get_function(FunctionName=provider.physical_id)
    assert state.resources["CDKMetadata"].note == "CDK metadata, recorded"
    assert "not enforced: StreamEncryption" in deployer.stacks()[0].resources["Stream790BDEE4"].note

    # A redeploy of the same assembly changes nothing.
    recorder.clear()
    deployer.deploy_artifact(stack)
    assert {e.status for e in recorder.events} == {"UNCHANGED"}

    s3 = clients("s3")
    for key in ("data/a.json", "data/b.json", "athena-output/x.csv"):
        s3.put_object(Bucket=outputs["BucketName"], Key=key, Body=b"{}")
    deployer.destroy("FixtureStack")
    with pytest.raises(Exception, match="404"):
        s3.head_bucket(Bucket=outputs["BucketName"])
    deployer.destroy("FixtureBase")
    assert not {"FixtureBase", "FixtureStack"} & {s.name for s in deployer.stacks()}
