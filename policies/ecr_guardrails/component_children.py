"""Remedies in the EcrReplication component's words, for the resources it declares.

A resource the component declares is its child (directly, or through a child: a role's policy): its URN's type chain
holds the component's type token (``urn:pulumi:<stack>::<project>::ecr-replication:index:EcrReplication$aws:...``).
Telling its user to "set encryptionConfigurations" helps nobody: the component sets that input from its
``repository_settings`` argument (component-wide, or a destination's or a spoke's own), which a stack file spells
``repositorySettings``. So for a child the remedy names the component argument and the stack config key
(``tests/policies/test_policy_hardening.py`` holds these names equal to the component's ``RepositorySettingsArgs``,
its arguments and the stack schema's keys).
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
class SettingsOwner:
    """The list argument whose entries a child's repository settings belong to, besides the component-wide ones."""

    argument: str
    """The component argument (``destinations``)."""
    config_key: str
    """The stack config key it comes from (``destinations``)."""
    label: str
    """What an entry is (``destination``)."""
    spelled_out: bool
    """Whether a remedy spells out the entry's settings path (a destination's are the obvious ones)."""

    @property
    def settings(self) -> str:
        """An entry's settings in the argument's words: ``pull_through_destinations[].repository_settings``."""
        return f"{self.argument}[].repository_settings"

    @property
    def config_settings(self) -> str:
        """The same in the stack file's: ``pullThroughDestinations[].repositorySettings``."""
        return f"{self.config_key}[].repositorySettings"


DESTINATIONS: Final = SettingsOwner("destinations", "destinations", "destination", spelled_out=False)
"""Replication destinations: templates applied for replication, replicated repositories, scanning."""

SPOKES: Final = SettingsOwner("pull_through_destinations", "pullThroughDestinations", "spoke", spelled_out=True)
"""Pull-through spokes: templates applied for pull-through cache."""


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
    entry_only: bool = False
    """Set in an entry's own settings only: component-wide, it would reach the other entries too."""

    def remedy(self, owner: SettingsOwner = DESTINATIONS) -> str:
        """The remedy, naming the argument (component-wide, or an entry's own) and the stack config key."""
        setting = f"{self.value}{self.also}"
        config_setting = f"{self.config_value}{self.config_also}"
        if self.entry_only:
            return (f"set {owner.settings}.{self.argument} to {setting} in the EcrReplication component's arguments "
                    f"(stack config: {owner.config_settings}.{self.config_key}: {config_setting})")
        entry = f"a {owner.label}'s" + (f" ({owner.settings})" if owner.spelled_out else "")
        config_entry = f", or under {owner.config_settings}" if owner.spelled_out else ""
        return (f"set repository_settings.{self.argument} to {setting} in the EcrReplication component's arguments or "
                f"{entry} (stack config: repositorySettings.{self.config_key}: {config_setting}{config_entry})")


IMMUTABLE_TAGS: Final = ComponentSetting("image_tag_mutability", "imageTagMutability", "'IMMUTABLE'", "IMMUTABLE",
                                         " (or 'IMMUTABLE_WITH_EXCLUSION' with image_tag_mutability_exclusion_filters)")
"""Replicated tags can't be moved to another image."""

CACHED_TAGS: Final = ComponentSetting("image_tag_mutability", "imageTagMutability", "'IMMUTABLE_WITH_EXCLUSION'",
                                      "IMMUTABLE_WITH_EXCLUSION",
                                      " with the tags that move upstream in image_tag_mutability_exclusion_filters",
                                      " with those tags in imageTagMutabilityExclusionFilters", entry_only=True)
"""A spoke's cached tags can't be moved, except those that move upstream, which the cache refreshes. Not IMMUTABLE,
which would stop every refresh (the component warns about it), and in the spoke's own settings only (inherited
exclusion filters were chosen for the destinations: the component warns about those too)."""

KMS_ENCRYPTION: Final = ComponentSetting("encryption_type", "encryptionType", "'KMS'", "KMS",
                                         " (or 'KMS_DSSE') with kms_key, or kms_keys by region",
                                         " with repositorySettings.kmsKeys")
"""Replicated repositories are encrypted with a KMS key."""

SCAN_ON_PUSH: Final = ComponentSetting("scan_on_push", "scanOnPush", "True", "true")
"""The destination registries scan the replicated prefixes on push."""

SETTINGS: Final = (IMMUTABLE_TAGS, CACHED_TAGS, KMS_ENCRYPTION, SCAN_ON_PUSH)
"""Every setting a remedy names."""

OWNERS: Final = (DESTINATIONS, SPOKES)
"""Every list argument a remedy names."""
