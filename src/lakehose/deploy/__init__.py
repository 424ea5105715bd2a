"""Local deploys: CloudFormation templates and CDK cloud assemblies run against lakehose.

``Deployer`` creates, updates and destroys stacks through boto3 clients, so it works the same on
an embedded runtime (``Lakehose.client``) and against a ``lakehose up`` server. Stack state is
kept in the local S3 (see ``state``).

    with Lakehose(home) as lake:
        deployer = Deployer(lake.client, account_id=..., region=...)
        deployer.deploy("Pipeline", load_template(Path("template.yaml")))
"""

from lakehose.deploy.assembly import Assets, CloudAssembly, StackArtifact
from lakehose.deploy.deployer import Deployer
from lakehose.deploy.errors import DeployError
from lakehose.deploy.events import Listener, ResourceEvent
from lakehose.deploy.state import STATE_BUCKET, Output, ResourceState, StackState
from lakehose.deploy.template import Template, load_template, parse_template, template_from_dict

__all__ = [
    "STATE_BUCKET",
    "Assets",
    "CloudAssembly",
    "DeployError",
    "Deployer",
    "Listener",
    "Output",
    "ResourceEvent",
    "ResourceState",
    "StackArtifact",
    "StackState",
    "Template",
    "load_template",
    "parse_template",
    "template_from_dict",
]
