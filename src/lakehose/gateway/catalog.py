"""The AWS services lakehose serves, described by botocore's own service models.

The models are the single source of truth for operation names, input and output shapes,
constraints and error shapes; the gateway never hard-codes a shape.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache, cached_property

import botocore.session
from botocore.model import OperationModel, ServiceModel

# botocore service names, in pipeline order.
SERVICES: tuple[str, ...] = ("dynamodb", "kinesis", "firehose", "s3", "lambda", "glue", "athena")


class ServiceCatalog:
    """Loads the service models once and answers "which service is this?" questions."""

    def __init__(self, services: Iterable[str] = SERVICES) -> None:
        session = botocore.session.get_session()
        self.models: dict[str, ServiceModel] = {
            name: session.get_service_model(name) for name in services
        }

    def model(self, service: str) -> ServiceModel:
        return self.models[service]

    @cached_property
    def by_target_prefix(self) -> dict[str, str]:
        """``X-Amz-Target`` prefix (``Kinesis_20131202``) to service name."""
        return {
            str(model.metadata["targetPrefix"]): name
            for name, model in self.models.items()
            if "targetPrefix" in model.metadata
        }

    @cached_property
    def by_signing_name(self) -> dict[str, str]:
        """SigV4 credential-scope service (``kinesis``, ``s3``) to service name."""
        return {model.signing_name or name: name for name, model in self.models.items()}

    def operation(self, service: str, name: str) -> OperationModel | None:
        model = self.models[service]
        if name not in model.operation_names:
            return None
        return model.operation_model(name)


@cache
def default_catalog() -> ServiceCatalog:
    """The catalog of the seven services, loaded once per process (about a second of parsing)."""
    return ServiceCatalog()
