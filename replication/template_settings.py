"""What a repository creation template sets on the repositories it creates, read in one form from a live template
(``DescribeRepositoryCreationTemplates``) and from a declared ``aws.ecr.RepositoryCreationTemplate``'s inputs.

``import`` and its adoption review compare a live template with the declared one through it, and ``verify`` reads
the plan's template through it to compare with the repository replication created. Settings a template leaves out
are ECR's defaults (``limits.DEFAULT_IMAGE_TAG_MUTABILITY``, ``limits.DEFAULT_ENCRYPTION_TYPE``); policy documents
are canonical JSON, so equal documents compare equal however they are laid out. Pure, no Pulumi, no boto3.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from replication.ecr_semantics import canonical_json
from replication.limits import DEFAULT_ENCRYPTION_TYPE, DEFAULT_IMAGE_TAG_MUTABILITY


def canonical_document(document: str | None) -> str | None:
    """A JSON document's canonical text (``None`` for none); text that isn't JSON stays as it is."""
    if not document:
        return None
    try:
        return canonical_json(json.loads(document))
    except ValueError:
        return document


@dataclass(frozen=True)
class TemplateSettings:
    """What a creation template sets on the repositories it creates, in one form for live and declared ones."""

    applied_for: tuple[str, ...]
    image_tag_mutability: str
    exclusion_filters: tuple[str, ...]
    encryption_type: str
    kms_key: str | None
    lifecycle_policy: str | None
    """Canonical JSON."""
    repository_policy: str | None
    """Canonical JSON."""
    tags: tuple[tuple[str, str], ...]
    custom_role_arn: str | None

    @classmethod
    def from_api(cls, template: Mapping[str, Any]) -> TemplateSettings:
        """A template as ``DescribeRepositoryCreationTemplates`` shows it."""
        encryption = template.get("encryptionConfiguration") or {}
        return cls(
            applied_for=tuple(sorted(template.get("appliedFor") or ())),
            image_tag_mutability=template.get("imageTagMutability") or DEFAULT_IMAGE_TAG_MUTABILITY,
            exclusion_filters=tuple(sorted(f["filter"] for f in template.get("imageTagMutabilityExclusionFilters") or ())),
            encryption_type=encryption.get("encryptionType") or DEFAULT_ENCRYPTION_TYPE,
            kms_key=encryption.get("kmsKey") or None,
            lifecycle_policy=canonical_document(template.get("lifecyclePolicy")),
            repository_policy=canonical_document(template.get("repositoryPolicy")),
            tags=tuple(sorted((t["Key"], t["Value"]) for t in template.get("resourceTags") or ())),
            custom_role_arn=template.get("customRoleArn") or None,
        )

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any]) -> TemplateSettings:
        """A declared ``aws.ecr.RepositoryCreationTemplate``'s inputs (engine names, as the mock runner records them
        and ``plan --json`` prints them)."""
        encryption = (inputs.get("encryptionConfigurations") or [{}])[0]
        return cls(
            applied_for=tuple(sorted(inputs.get("appliedFors") or ())),
            image_tag_mutability=inputs.get("imageTagMutability") or DEFAULT_IMAGE_TAG_MUTABILITY,
            exclusion_filters=tuple(sorted(f["filter"] for f in inputs.get("imageTagMutabilityExclusionFilters") or ())),
            encryption_type=encryption.get("encryptionType") or DEFAULT_ENCRYPTION_TYPE,
            kms_key=encryption.get("kmsKey") or None,
            lifecycle_policy=canonical_document(inputs.get("lifecyclePolicy")),
            repository_policy=canonical_document(inputs.get("repositoryPolicy")),
            tags=tuple(sorted((inputs.get("resourceTags") or {}).items())),
            custom_role_arn=inputs.get("customRoleArn") or None,
        )

    def differences(self, other: TemplateSettings) -> list[str]:
        """``field: this -> other`` for each field that differs."""
        return [f"{name}: {mine!r} -> {theirs!r}" for name, mine, theirs in
                ((name, getattr(self, name), getattr(other, name)) for name in self.__dataclass_fields__)
                if mine != theirs]

    def repository_settings(self) -> dict[str, Any]:
        """The ``repositorySettings`` config keys that declare these settings."""
        settings: dict[str, Any] = {"imageTagMutability": self.image_tag_mutability, "encryptionType": self.encryption_type}
        if self.exclusion_filters:
            settings["imageTagMutabilityExclusionFilters"] = list(self.exclusion_filters)
        if self.lifecycle_policy is not None:
            settings["lifecyclePolicy"] = self.lifecycle_policy
        if self.repository_policy is not None:
            settings["repositoryPolicy"] = self.repository_policy
        return settings
