"""``lakehose deploy`` / ``destroy`` / ``stacks``, on a home directly and through its server."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lakehose.cli.main import cli
from tests.conftest import ServerProcess
from tests.deploy.test_assembly import FIXTURE

TEMPLATE = """\
AWSTemplateFormatVersion: 2010-09-09
Parameters:
  Shards: {Type: Number, Default: 1}
  Prefix: {Type: String}
Resources:
  Stream:
    Type: AWS::Kinesis::Stream
    Properties:
      Name: !Sub "${Prefix}-stream"
      ShardCount: !Ref Shards
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
Outputs:
  StreamArn:
    Value: !GetAtt Stream.Arn
    Export: {Name: !Sub "${AWS::StackName}-arn"}
"""


def run(*arguments: str) -> Result:
    # Wide enough that Rich's tables keep every value on one line.
    return CliRunner().invoke(cli, list(arguments), catch_exceptions=False, env={"COLUMNS": "250"})


@pytest.fixture
def template(tmp_path: Path) -> Path:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    return path


def test_deploy_list_destroy_on_a_home(tmp_path: Path, template: Path) -> None:
    home = str(tmp_path / "home")
    deployed = run(
        "deploy",
        str(template),
        "--stack",
        "Cli",
        "--parameters",
        "Prefix=cli",
        "--parameters",
        "Cli:Shards=2",
        "--home",
        home,
    )
    assert deployed.exit_code == 0, deployed.output
    assert "using the embedded runtime on" in deployed.output
    assert "CREATE_COMPLETE" in deployed.output
    assert "arn:aws:kinesis:us-east-1:000000000000:stream/cli-stream" in deployed.output

    listed = run("stacks", "--home", home)
    assert listed.exit_code == 0, listed.output
    for expected in (
        "Cli",
        "AWS::Kinesis::Stream",
        "cli-stream",
        "AWS::IAM::Role",
        "not enforced",
        "Cli-arn",
    ):
        assert expected in listed.output

    destroyed = run("destroy", "Cli", "--home", home)
    assert destroyed.exit_code == 0, destroyed.output
    assert "Cli destroyed" in destroyed.output
    assert "no stacks deployed" in run("stacks", "--home", home).output
    missing = run("destroy", "Cli", "--home", home)
    assert missing.exit_code == 1
    assert "Stack with id Cli does not exist" in missing.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((), "needs exactly one --stack NAME"),
        (("--stack", "S", "--parameters", "Nope=1"), "no stack declares parameter Nope"),
        (("--stack", "S", "--parameters", "novalue"), "is not KEY=VALUE"),
        (("--stack", "S", "--parameters", "Other:Shards=1"), "no stack Other is being deployed"),
    ],
)
def test_usage_errors_open_nothing(
    tmp_path: Path, template: Path, arguments: tuple[str, ...], message: str
) -> None:
    result = run("deploy", str(template), *arguments, "--home", str(tmp_path / "home"))
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "home").exists()


def test_unsupported_type_is_reported_by_name(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text('{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}')
    result = run("deploy", str(path), "--stack", "S", "--home", str(tmp_path / "home"))
    assert result.exit_code == 1
    assert "Unsupported resource type(s): AWS::SQS::Queue" in result.output


def test_through_the_server_that_serves_the_home(server: ServerProcess) -> None:
    home = str(server.home)
    deployed = run("deploy", str(FIXTURE), "--stack", "FixtureStack", "--home", home)
    assert deployed.exit_code == 0, deployed.output
    assert f"using the server at {server.endpoint}" in deployed.output
    assert "FixtureBase: CREATE_COMPLETE" in deployed.output
    assert "FixtureStack: CREATE_COMPLETE" in deployed.output
    names = server.client("kinesis").list_streams()["StreamNames"]
    assert any(n.startswith("FixtureBase-Stream790BDEE4-") for n in names)

    listed = run("stacks", "--stack", "FixtureStack", "--home", home)
    assert "custom resource provider, handled natively" in listed.output
    assert "FixtureBase" not in listed.output.split("FixtureStack: resources")[0].split("stacks")[1]

    for stack in ("FixtureStack", "FixtureBase"):
        assert run("destroy", stack, "--home", home).exit_code == 0
    assert not any(
        n.startswith("FixtureBase-") for n in server.client("kinesis").list_streams()["StreamNames"]
    )


def test_a_stale_record_naming_another_homes_server_is_refused(tmp_path: Path) -> None:
    """Home A's server is killed with -9 (leaving server.json), then home B's server takes its
    port: commands on A must refuse it, not act on B."""
    first = ServerProcess(tmp_path / "a")
    port = int(first.endpoint.rsplit(":", 1)[1])
    first.kill()
    assert (tmp_path / "a" / "server.json").exists()
    second = ServerProcess(tmp_path / "b", port=port)
    try:
        assert second.endpoint == first.endpoint
        home_a = str(tmp_path / "a")
        refusal = (
            f"error: refusing the server at {first.endpoint}: {tmp_path / 'a' / 'server.json'} "
            "names it, but it serves another home"
        )
        for command in (["stacks"], ["flush"], ["env"], ["deploy", str(FIXTURE)]):
            refused = run(*command, "--home", home_a)
            assert refused.exit_code == 1, (command, refused.output)
            assert refused.output.startswith(refusal), (command, refused.output)
            assert "Traceback" not in refused.output
        # B's own commands use B's server.
        listed = run("stacks", "--home", str(tmp_path / "b"))
        assert listed.exit_code == 0, listed.output
    finally:
        second.stop()
    # With B's server gone too, A's stale record is ignored and A opens embedded.
    listed = run("stacks", "--home", home_a)
    assert listed.exit_code == 0, listed.output
    assert "using" not in listed.output and "no stacks deployed" in listed.output
