"""Function life cycle: CreateFunction, GetFunction(Configuration), ListFunctions, the two
updates and DeleteFunction.

Code comes as ``Code.ZipFile`` bytes or as ``Code.S3Bucket``/``S3Key`` read from the local S3
through the ``CodeSource`` port; ``lakehose deploy`` zips a local directory deterministically
(``code.package_directory``) and sends the ZipFile like any client. Every change takes effect
before its call returns; warm workers of the old code or configuration are stopped, the next
invocation starts fresh ones.
"""

from __future__ import annotations

from typing import Any

from lakehose.formats import tags as tag_store
from lakehose.services.awslambda import store
from lakehose.services.awslambda.code import CodePackage, read_package
from lakehose.services.awslambda.errors import (
    InvalidParameterValueException,
    ResourceConflictException,
)
from lakehose.services.awslambda.markers import decode_marker, encode_marker
from lakehose.services.awslambda.names import LATEST, parse_reference
from lakehose.services.awslambda.ports import CodeObjectMissing
from lakehose.services.awslambda.runtimes import check_runtime, check_variables
from lakehose.services.awslambda.store import FunctionRecord
from lakehose.services.awslambda.versions import VersionOperations

DEFAULT_TIMEOUT = 3
DEFAULT_MEMORY = 128
MAX_NAME_LENGTH = 64
DEFAULT_LIST_ITEMS = 50


class FunctionOperations(VersionOperations):
    def create_function(
        self,
        *,
        function_name: str,
        role: str,
        code: dict[str, Any],
        runtime: str | None = None,
        handler: str | None = None,
        description: str = "",
        timeout: int = DEFAULT_TIMEOUT,
        memory_size: int = DEFAULT_MEMORY,
        publish: bool = False,
        package_type: str = "Zip",
        environment: dict[str, Any] | None = None,
        tags: dict[str, str] | None = None,
        architectures: list[str] | None = None,
        layers: list[str] | None = None,
    ) -> dict[str, Any]:
        name = _new_name(function_name)
        _refuse_unsupported(package_type=package_type, layers=layers)
        if not runtime or not handler:
            raise InvalidParameterValueException(
                "Runtime and Handler are mandatory parameters for functions created with "
                "deployment packages."
            )
        check_runtime(runtime)
        variables = _variables(environment)
        with self.db.read() as connection:
            if store.get_function(connection, name) is not None:
                raise ResourceConflictException.function_exists(name)
        package = self._package(code)
        self.code.install(name, package)
        record = FunctionRecord(
            name=name,
            runtime=runtime,
            role=role,
            handler=handler,
            description=description,
            timeout=timeout,
            memory_size=memory_size,
            code_sha256=package.sha256,
            code_hex=package.hex_digest,
            code_size=package.size,
            last_modified=self._last_modified(),
            revision_id=self.ids.uuid4(),
            environment=variables,
            architectures=list(architectures or ["x86_64"]),
        )
        with self.db.transaction() as connection:
            if not store.insert_function(connection, record):
                raise ResourceConflictException.function_exists(name)
            tag_store.put_tags(connection, name, tags or {}, owner_column="function")
            if publish:
                version = self._publish(connection, record, None)
        if publish:
            # The answer describes the version published (as AWS's does), qualified ARN aside.
            return self._configuration(version)
        return self._configuration(record)

    def get_function(self, *, function_name: str, qualifier: str | None = None) -> dict[str, Any]:
        with self.db.read() as connection:
            record, effective, _ = self._find_target(connection, function_name, qualifier)
            tags = tag_store.tags(connection, record.name, owner_column="function")
        result: dict[str, Any] = {
            "Configuration": self._configuration(record, effective),
            "Code": {
                "RepositoryType": "S3",
                # There is no presigned S3 URL to give; the package as uploaded is on disk.
                "Location": self.code.archive(record.name, record.code_hex).as_uri(),
            },
        }
        if tags:
            result["Tags"] = tags
        if record.reserved_concurrency is not None:
            result["Concurrency"] = {"ReservedConcurrentExecutions": record.reserved_concurrency}
        return result

    def get_function_configuration(
        self, *, function_name: str, qualifier: str | None = None
    ) -> dict[str, Any]:
        with self.db.read() as connection:
            record, effective, _ = self._find_target(connection, function_name, qualifier)
        return self._configuration(record, effective)

    def list_functions(
        self,
        *,
        marker: str | None = None,
        max_items: int | None = None,
        function_version: str | None = None,
    ) -> dict[str, Any]:
        limit = max_items or DEFAULT_LIST_ITEMS
        after = decode_marker(marker) if marker else None
        with self.db.read() as connection:
            records = store.list_functions(connection, after, limit + 1)
            page = records[:limit]
            if function_version == "ALL":
                # Each function's $LATEST, then its published versions.
                page = [
                    version
                    for record in page
                    for version in (record, *store.versions(connection, record.name))
                ]
        result: dict[str, Any] = {
            "Functions": [
                self._configuration(r, None if r.version == LATEST else r.version, listing=True)
                for r in page
            ]
        }
        if len(records) > limit:
            result["NextMarker"] = encode_marker(records[limit - 1].name)
        return result

    def update_function_code(
        self,
        *,
        function_name: str,
        zip_file: bytes | None = None,
        s3_bucket: str | None = None,
        s3_key: str | None = None,
        publish: bool = False,
        revision_id: str | None = None,
        architectures: list[str] | None = None,
    ) -> dict[str, Any]:
        code: dict[str, Any] = {"ZipFile": zip_file, "S3Bucket": s3_bucket, "S3Key": s3_key}
        record = self._function(function_name)
        package = self._package({key: value for key, value in code.items() if value is not None})
        return self._replace_code(record.name, package, revision_id, architectures, publish)

    def update_function_configuration(
        self,
        *,
        function_name: str,
        role: str | None = None,
        handler: str | None = None,
        description: str | None = None,
        timeout: int | None = None,
        memory_size: int | None = None,
        environment: dict[str, Any] | None = None,
        runtime: str | None = None,
        revision_id: str | None = None,
        layers: list[str] | None = None,
    ) -> dict[str, Any]:
        _refuse_unsupported(layers=layers)
        if runtime is not None:
            check_runtime(runtime)
        changes: dict[str, Any] = {
            key: value
            for key, value in {
                "role": role,
                "handler": handler,
                "description": description,
                "timeout": timeout,
                "memory_size": memory_size,
                "runtime": runtime,
            }.items()
            if value is not None
        }
        if environment is not None:
            changes["environment"] = _variables(environment)
        with self.db.transaction() as connection:
            record, _ = self._find_function(connection, function_name)
            self._check_revision(record, revision_id)
            record = record.replace(
                **changes, last_modified=self._last_modified(), revision_id=self.ids.uuid4()
            )
            store.save_function(connection, record)
        self.pool.retire(record.name)
        return self._configuration(record)

    def delete_function(
        self, *, function_name: str, qualifier: str | None = None
    ) -> dict[str, Any]:
        with self.db.transaction() as connection:
            record, effective = self._find_function(connection, function_name, qualifier)
            if effective is not None:
                unused = self._delete_version(connection, record.name, effective)
                in_use = self._code_in_use(connection, record.name)
        if effective is not None:
            if unused and unused not in in_use:
                self.code.remove(record.name, unused)
            return {"StatusCode": 204}
        with self.db.transaction() as connection:
            store.delete_function(connection, record.name)
        self.pool.retire(record.name)
        self.code.remove_function(record.name)
        return {"StatusCode": 204}

    # -- internals ----------------------------------------------------------------------------

    def _replace_code(
        self,
        name: str,
        package: CodePackage,
        revision_id: str | None,
        architectures: list[str] | None,
        publish: bool,
    ) -> dict[str, Any]:
        self.code.install(name, package)
        with self.db.transaction() as connection:
            record, _ = self._find_function(connection, name)
            self._check_revision(record, revision_id)
            previous = record.code_hex
            record = record.replace(
                code_sha256=package.sha256,
                code_hex=package.hex_digest,
                code_size=package.size,
                architectures=list(architectures or record.architectures),
                last_modified=self._last_modified(),
                revision_id=self.ids.uuid4(),
            )
            store.save_function(connection, record)
            if publish:
                record = self._publish(connection, record, None)
            in_use = self._code_in_use(connection, name)
        self.pool.retire(name)
        if previous not in in_use:
            self.code.remove(name, previous)
        return self._configuration(record)

    def _package(self, code: dict[str, Any]) -> CodePackage:
        if code.get("ImageUri"):
            raise InvalidParameterValueException(
                "lakehose runs functions from .zip packages only; container images are not "
                "supported."
            )
        if code.get("ZipFile") is not None:
            return read_package(bytes(code["ZipFile"]))
        bucket, key = code.get("S3Bucket"), code.get("S3Key")
        if bucket and key:
            if self.code_source is None:
                raise InvalidParameterValueException(
                    "Error occurred while GetObject. S3 Error Code: NoSuchBucket. "
                    "S3 Error Message: The specified bucket does not exist"
                )
            try:
                return read_package(self.code_source.read_object(bucket, key))
            except CodeObjectMissing as missing:
                raise InvalidParameterValueException.s3_object(
                    missing.code, missing.message
                ) from None
        raise InvalidParameterValueException("Please provide a source for function code.")


def _new_name(function_name: str) -> str:
    parsed = parse_reference(function_name)
    if parsed is None:
        raise InvalidParameterValueException(f"Invalid function name: {function_name}")
    if parsed.is_bare_name and len(function_name) > MAX_NAME_LENGTH:
        raise InvalidParameterValueException(
            f"1 validation error detected: Value '{function_name}' at 'functionName' failed to "
            f"satisfy constraint: Member must have length less than or equal to {MAX_NAME_LENGTH}"
        )
    return parsed.name


def _refuse_unsupported(*, package_type: str = "Zip", layers: list[str] | None = None) -> None:
    """Options lakehose cannot honour are refused, never ignored."""
    if package_type != "Zip":
        raise InvalidParameterValueException(
            "lakehose runs functions from .zip packages only; container images are not supported."
        )
    if layers:
        raise InvalidParameterValueException("lakehose does not support Lambda layers.")


def _variables(environment: dict[str, Any] | None) -> dict[str, str] | None:
    if environment is None:
        return None
    variables = {
        str(key): str(value) for key, value in (environment.get("Variables") or {}).items()
    }
    check_variables(variables)
    return variables
