"""Cloud assemblies (``cdk.out``): their stacks, templates and file assets.

``manifest.json`` lists artifacts. Each ``aws:cloudformation:stack`` artifact names its template
file and, through its dependencies, the ``cdk:asset-manifest`` (``<Stack>.assets.json``) saying
where ``cdk deploy`` would upload each file asset: a bucket and key such as
``cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}`` / ``<hash>.zip``. The template refers
to the asset by that bucket and key (``Code.S3Bucket`` / ``S3Key``); ``Assets`` maps the pair,
with the account and region filled in, back to the file or directory under ``cdk.out``, so a
deploy uses the local asset without uploading it anywhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lakehose.deploy.errors import AssemblyError
from lakehose.deploy.template import Template, load_template
from lakehose.services.awslambda.code import package_directory

STACK_ARTIFACT = "aws:cloudformation:stack"
ASSET_MANIFEST_ARTIFACT = "cdk:asset-manifest"


@dataclass(frozen=True)
class FileAsset:
    """One file asset: a directory zipped on use (``packaging: zip``) or a file as it is."""

    path: Path
    packaging: str

    def read(self) -> bytes:
        if not self.path.exists():
            raise AssemblyError(f"asset {self.path} is missing from the cloud assembly")
        if self.path.is_dir():
            return package_directory(self.path).data
        return self.path.read_bytes()


@dataclass
class Assets:
    """File assets by the S3 location a template uses for them."""

    files: dict[tuple[str, str], FileAsset] = field(default_factory=dict)

    def lookup(self, bucket: str, key: str) -> FileAsset | None:
        return self.files.get((bucket, key))


@dataclass(frozen=True)
class StackArtifact:
    """One stack of an assembly: its deployed name, template and asset manifests."""

    artifact_id: str
    stack_name: str
    template_path: Path
    depends_on: tuple[str, ...]
    asset_manifests: tuple[Path, ...]

    def template(self) -> Template:
        return load_template(self.template_path)

    def assets(self, *, account_id: str, region: str, partition: str = "aws") -> Assets:
        found = Assets()
        for manifest in self.asset_manifests:
            _add_assets(
                found,
                manifest,
                {"AWS::AccountId": account_id, "AWS::Region": region, "AWS::Partition": partition},
            )
        return found


class CloudAssembly:
    """A ``cdk.out`` directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        manifest = _read_json(directory / "manifest.json")
        artifacts = manifest.get("artifacts")
        if not isinstance(artifacts, dict):
            raise AssemblyError(f"{directory / 'manifest.json'} lists no artifacts")
        self._artifacts: dict[str, dict[str, Any]] = artifacts

    @staticmethod
    def is_assembly(path: Path) -> bool:
        return path.is_dir() and (path / "manifest.json").is_file()

    def stacks(self) -> list[StackArtifact]:
        """Every stack, dependencies first (as ``cdk deploy --all`` orders them)."""
        found = {
            artifact_id: self._stack(artifact_id, artifact)
            for artifact_id, artifact in self._artifacts.items()
            if artifact.get("type") == STACK_ARTIFACT
        }
        if not found:
            raise AssemblyError(f"the cloud assembly {self.directory} has no stacks")
        ordered: list[StackArtifact] = []

        def visit(artifact_id: str, trail: tuple[str, ...]) -> None:
            if artifact_id in trail:
                raise AssemblyError(f"stacks depend on each other in a cycle: {trail}")
            stack = found[artifact_id]
            for dependency in stack.depends_on:
                visit(dependency, (*trail, artifact_id))
            if stack not in ordered:
                ordered.append(stack)

        for artifact_id in found:
            visit(artifact_id, ())
        return ordered

    def select(self, names: Iterable[str]) -> list[StackArtifact]:
        """The named stacks (by stack name or artifact id) and the stacks they depend on."""
        stacks = self.stacks()
        wanted = list(names)
        if not wanted:
            return stacks
        by_name = {s.stack_name: s for s in stacks} | {s.artifact_id: s for s in stacks}
        unknown = [name for name in wanted if name not in by_name]
        if unknown:
            raise AssemblyError(
                f"no stack named {', '.join(unknown)} in {self.directory}; it has "
                f"{', '.join(s.stack_name for s in stacks)}"
            )
        needed: set[str] = set()

        def need(stack: StackArtifact) -> None:
            needed.add(stack.artifact_id)
            for dependency in stack.depends_on:
                need(by_name[dependency])

        for name in wanted:
            need(by_name[name])
        return [stack for stack in stacks if stack.artifact_id in needed]

    def _stack(self, artifact_id: str, artifact: Mapping[str, Any]) -> StackArtifact:
        properties = artifact.get("properties") or {}
        template_file = properties.get("templateFile")
        if not isinstance(template_file, str):
            raise AssemblyError(f"stack {artifact_id} names no templateFile")
        dependencies = [str(d) for d in artifact.get("dependencies") or []]
        manifests = [
            self.directory / self._artifacts[d]["properties"]["file"]
            for d in dependencies
            if self._artifacts.get(d, {}).get("type") == ASSET_MANIFEST_ARTIFACT
        ]
        stacks = [
            d for d in dependencies if self._artifacts.get(d, {}).get("type") == STACK_ARTIFACT
        ]
        return StackArtifact(
            artifact_id=artifact_id,
            stack_name=str(properties.get("stackName") or artifact_id),
            template_path=self.directory / template_file,
            depends_on=tuple(stacks),
            asset_manifests=tuple(manifests),
        )


def _add_assets(found: Assets, manifest_path: Path, placeholders: Mapping[str, str]) -> None:
    manifest = _read_json(manifest_path)
    for asset_id, asset in (manifest.get("files") or {}).items():
        source = asset.get("source") or {}
        if "path" not in source:
            raise AssemblyError(f"asset {asset_id} in {manifest_path} has no source path")
        local = FileAsset(
            manifest_path.parent / source["path"], str(source.get("packaging", "file"))
        )
        for destination in (asset.get("destinations") or {}).values():
            bucket = _fill(str(destination["bucketName"]), placeholders)
            found.files[(bucket, _fill(str(destination["objectKey"]), placeholders))] = local


def _fill(text: str, placeholders: Mapping[str, str]) -> str:
    for name, value in placeholders.items():
        text = text.replace("${" + name + "}", value)
    return text


def _read_json(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise AssemblyError(f"cannot read {path}: {error.strerror}") from None
    except ValueError as error:
        raise AssemblyError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise AssemblyError(f"{path} is not a JSON object")
    return document
