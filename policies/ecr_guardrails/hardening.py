"""`ecr-replicated-repositories-hardened`: what replication or a pull-through cache creates or feeds keeps tags
immutable, is encrypted with KMS, and is scanned on push in the destination.

A pull-through cache's tags are the exception: immutable ones stop ECR from refreshing a cached tag that moved
upstream (ECR user guide, "Sync an upstream registry with an Amazon ECR private registry": "Turning on image tag
immutability for repositories using a pull through cache rule will prevent Amazon ECR from updating images using the
same tag"), mutable ones can be moved in the cache by whoever may push there. So a pull-through template's mutable
tags are reported with the middle way, ``IMMUTABLE_WITH_EXCLUSION`` with the tags that move upstream excluded, and its
immutable ones are not reported (the component warns about ``IMMUTABLE`` reaching a spoke)."""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, StackValidationArgs

from .limits import (APPLIED_FOR_PULL_THROUGH_CACHE, APPLIED_FOR_REPLICATION, DEFAULT_ENCRYPTION_TYPE,
                     DEFAULT_IMAGE_TAG_MUTABILITY, IMMUTABLE_TAG_SETTINGS, KMS_ENCRYPTION_TYPES,
                     SCAN_ON_PUSH_FREQUENCIES)
from .resource_types import REGISTRY_SCANNING_CONFIGURATION, REPOSITORY, REPOSITORY_CREATION_TEMPLATE
from .component_children import (CACHED_TAGS, DESTINATIONS, IMMUTABLE_TAGS, KMS_ENCRYPTION, SCAN_ON_PUSH, SPOKES,
                                 SettingsOwner, is_component_child)
from .declare import stack_policy
from .ecr_semantics import scanning_filter_covers
from .props import UNKNOWN, elements, field, first, text
from .replication_rules import ReplicationRule
from .policy_config import HasConfig, PolicyOption
from .stack_index import RegistryResource, StackIndex, group_by_registry

AES256_COUNTS_OPTION = PolicyOption("aes256Counts", False,
                                "Accept AES256 (S3-managed keys) as encryption, not only KMS and KMS_DSSE.")
"""Whether AES256 encryption satisfies the policy."""

REQUIRE_SCAN_ON_PUSH_OPTION = PolicyOption("requireScanOnPush", True,
                                       "Require scan on push in destination registries for replicated prefixes.")
"""Whether replicated prefixes must be scanned on push in their destination registry."""


def _settings_problems(kind: str, props: Mapping[str, Any], args: HasConfig, child: bool,
                       owner: SettingsOwner = DESTINATIONS) -> Iterator[str]:
    """Tag mutability and encryption problems of a template's or repository's props; the remedy is in the
    component's words when the resource is a child of an EcrReplication component (whose ``owner`` entries' settings
    it comes from). A pull-through cache template's tags get the cache's advice (see the module)."""
    mutability = text(props, "imageTagMutability")
    if mutability is not UNKNOWN and (mutability or DEFAULT_IMAGE_TAG_MUTABILITY) not in IMMUTABLE_TAG_SETTINGS:
        shown = mutability or f"{DEFAULT_IMAGE_TAG_MUTABILITY} (default)"
        if owner is SPOKES:
            remedy = CACHED_TAGS.remedy(owner) if child else (
                "set it to IMMUTABLE_WITH_EXCLUSION with the tags that move upstream in "
                "imageTagMutabilityExclusionFilters")
            yield (f"{kind} has imageTagMutability {shown}, so whoever may push in this registry can move a cached tag "
                   f"to another image; {remedy}: those tags still refresh from the upstream and the others can't be "
                   "moved (IMMUTABLE alone would stop ECR from refreshing any cached tag that moves upstream: ECR user "
                   "guide, \"Sync an upstream registry with an Amazon ECR private registry\").")
        else:
            remedy = IMMUTABLE_TAGS.remedy(owner) if child else "set it to IMMUTABLE or IMMUTABLE_WITH_EXCLUSION"
            yield f"{kind} has imageTagMutability {shown}; {remedy} so a replicated tag can't be moved to another image."
    encryption = text(first(field(props, "encryptionConfigurations")), "encryptionType")
    accepted = KMS_ENCRYPTION_TYPES + (("AES256",) if AES256_COUNTS_OPTION.read(args) else ())
    if encryption is not UNKNOWN and (encryption or DEFAULT_ENCRYPTION_TYPE) not in accepted:
        shown = encryption or f"{DEFAULT_ENCRYPTION_TYPE} (default)"
        remedy = KMS_ENCRYPTION.remedy(owner) if child else (
            "set encryptionConfigurations to [{encryptionType: 'KMS', kmsKey: <key in the same region>}] (or KMS_DSSE)")
        yield f"{kind} is encrypted with {shown}; {remedy}."


def _template_kind(props: Mapping[str, Any]) -> tuple[str, SettingsOwner] | None:
    """What a creation template is for, in words, and whose settings it carries in the component: a template applied
    for pull-through cache is a spoke's (its tags get the cache's advice even when it also applies for replication),
    one applied for replication a destination's; ``None`` for any other (or unknown) ``appliedFor``."""
    applied = tuple(elements(field(props, "appliedFors")))
    prefix = text(props, "prefix")
    if APPLIED_FOR_PULL_THROUGH_CACHE in applied:
        return f"pull-through cache template for prefix {prefix!r}", SPOKES
    if APPLIED_FOR_REPLICATION in applied:
        return f"replication template for prefix {prefix!r}", DESTINATIONS
    return None


def _template_role_problems(kind: str, props: Mapping[str, Any]) -> Iterator[str]:
    """A template that encrypts with KMS or sets resource tags needs a custom role to create repositories."""
    encryption = text(first(field(props, "encryptionConfigurations")), "encryptionType")
    tags = field(props, "resourceTags")
    if field(props, "customRoleArn") is None and (encryption in KMS_ENCRYPTION_TYPES or (tags and tags is not UNKNOWN)):
        yield (f"{kind} uses KMS encryption or resource tags but has no customRoleArn, so ECR can't create the "
               f"repositories it applies to; set customRoleArn to a role trusted by ecr.amazonaws.com that allows "
               f"ecr:CreateRepository, ecr:ReplicateImage, ecr:TagResource and the KMS grant actions.")


def _scan_on_push_covers(configurations: list[RegistryResource], prefix: str) -> bool:
    """Whether a scanning configuration scans every repository under `prefix` on push (unknown counts as yes)."""
    for configuration in configurations:
        rules = field(configuration.resource.props, "rules")
        if rules is UNKNOWN:
            return True
        for rule in elements(rules):
            frequency = text(rule, "scanFrequency")
            if frequency is UNKNOWN:
                return True
            if frequency not in SCAN_ON_PUSH_FREQUENCIES:
                continue
            for repository_filter in elements(field(rule, "repositoryFilters")):
                pattern = text(repository_filter, "filter")
                if pattern is UNKNOWN or (isinstance(pattern, str) and scanning_filter_covers(pattern, prefix)):
                    return True
    return False


def _scan_problems(rule: ReplicationRule, scanning: dict[object, list[RegistryResource]], child: bool) -> Iterator[str]:
    """One problem per destination where some of the rule's prefixes aren't scanned on push; the remedy is in the
    component's words when the replication configuration is a child of an EcrReplication component."""
    for destination in rule.destinations:
        configurations = scanning.get(destination, [])
        uncovered = [p for p in rule.prefixes if not _scan_on_push_covers(configurations, p)]
        if uncovered:
            shown = ", ".join(repr(p) for p in uncovered) if uncovered != [""] else "every repository"
            filters = ", ".join(f"'{p}*'" for p in uncovered)
            remedy = SCAN_ON_PUSH.remedy() if child else (
                f"add one in that registry with a SCAN_ON_PUSH rule with the WILDCARD filter(s) {filters}")
            yield (f"rule {rule.number} replicates {shown} to {destination}, where no "
                   f"RegistryScanningConfiguration in this stack scans it on push; {remedy}.")


def _hardening_problems(args: StackValidationArgs, index: StackIndex) -> Iterator[tuple[str, str]]:
    for template in index.raw(REPOSITORY_CREATION_TEMPLATE):
        found = _template_kind(template.props)
        if found is None:
            continue
        kind, owner = found
        for problem in (*_settings_problems(kind, template.props, args, is_component_child(template.urn), owner),
                        *_template_role_problems(kind, template.props)):
            yield problem, template.urn
    rules = [rule for source in index.replication_sources for rule in source.rules]
    for repository in index.raw(REPOSITORY):
        name = text(repository.props, "name")
        if isinstance(name, str) and any(rule.replicates(name) for rule in rules):
            kind = f"replicated repository {name!r}"
            for problem in _settings_problems(kind, repository.props, args, is_component_child(repository.urn)):
                yield problem, repository.urn
    if not REQUIRE_SCAN_ON_PUSH_OPTION.read(args):
        return
    scanning = group_by_registry(r for r in index.of_type(REGISTRY_SCANNING_CONFIGURATION) if r.registry)
    for source in index.replication_sources:
        for rule in source.rules:
            for problem in _scan_problems(rule, scanning, is_component_child(source.resource.urn)):
                yield problem, source.resource.urn


replicated_repositories_hardened = stack_policy(
    name="ecr-replicated-repositories-hardened",
    description="Creation templates applied for replication and replicated repositories use immutable tags, "
                "those applied for pull-through cache immutable tags with the tags that move upstream excluded; both "
                "use KMS encryption (templates with KMS or tags name a customRoleArn), and replicated prefixes are "
                "scanned on push in their destination registry.",
    level=EnforcementLevel.ADVISORY,
    check=_hardening_problems,
    options=[AES256_COUNTS_OPTION, REQUIRE_SCAN_ON_PUSH_OPTION],
)
"""Checks replication and pull-through cache templates, repositories that replication rules cover, and destination
scanning."""
