"""Remedies in the EcrReplication component's words, for the resources it declares.

A resource the component declares is its child (directly, or through a child: a role's policy): its URN's type chain
holds the component's type token (``urn:pulumi:<stack>::<project>::ecr-replication:index:EcrReplication$aws:...``).
Telling its user to "set encryptionConfigurations" helps nobody: the component sets that input from its
``repository_settings`` argument, which a stack file spells ``repositorySettings``. So for a child the remedy names
the component argument and the stack config key (``tests/policies/test_policy_hardening.py`` holds these names equal
to the component's ``RepositorySettingsArgs`` and the stack schema's keys).
"""

from dataclasses import dataclass
from typing import Final

from .resource_types import ECR_REPLICATION

_URN_TYPES: Final = 2
"""The position of the type chain in a URN's ``::``-separated parts."""


def is_component_child(urn: str) -> bool:
    """Whether the resource of ``urn`` is declared by an EcrReplication component (at any depth)."""
    parts = urn.split("::")
    return len(parts) > _URN_TYPES and ECR_REPLICATION in parts[_URN_TYPES].split("$")[:-1]


@dataclass(frozen=True)
class ComponentSetting:
    """A repository setting of the component that fixes a finding, and how a stack file writes it."""

    argument: str
    """The field of ``repository_settings`` (``RepositorySettingsArgs``)."""
    config_key: str
    """The key under ``repositorySettings`` in the stack config."""
    value: str
    """The value to set, as the argument takes it."""
    config_value: str
    """The same in the stack file's YAML."""
    also: str = ""
    """What else to set with it, in the argument's words."""
    config_also: str = ""
    """The same in the stack file's words."""

    def remedy(self) -> str:
        """The remedy, naming the argument (component-wide, or a destination's own) and the stack config key."""
        return (f"set repository_settings.{self.argument} to {self.value}{self.also} in the EcrReplication "
                f"component's arguments or a destination's (stack config: repositorySettings.{self.config_key}: "
                f"{self.config_value}{self.config_also})")


IMMUTABLE_TAGS: Final = ComponentSetting("image_tag_mutability", "imageTagMutability", "'IMMUTABLE'", "IMMUTABLE",
                                         " (or 'IMMUTABLE_WITH_EXCLUSION' with image_tag_mutability_exclusion_filters)")
"""Replicated tags can't be moved to another image."""

KMS_ENCRYPTION: Final = ComponentSetting("encryption_type", "encryptionType", "'KMS'", "KMS",
                                         " (or 'KMS_DSSE') with kms_key, or kms_keys by region",
                                         " with repositorySettings.kmsKeys")
"""Replicated repositories are encrypted with a KMS key."""

SCAN_ON_PUSH: Final = ComponentSetting("scan_on_push", "scanOnPush", "True", "true")
"""The destination registries scan the replicated prefixes on push."""

SETTINGS: Final = (IMMUTABLE_TAGS, KMS_ENCRYPTION, SCAN_ON_PUSH)
"""Every setting a remedy names."""
