"""Declare the destination-side resources that configure replicated repositories.

Per destination registry, through the destination's provider and in its region: creation templates for the
replicated prefixes, the registry scanning configuration (scan on push), and pre-created repositories with
their lifecycle and repository policies; once per destination account, the role that templates need for KMS
encryption or resource tags. The replication configuration depends on all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from replication import documents
from replication.model import DestinationSlot, ReplicationModel, ReplicationSpec
from replication.repository_settings import RepositorySettings, scanning_filters, template_prefixes

MAX_DESCRIPTION = 256
"""Longest description of a repository creation template."""

Derive = Callable[[Callable[[ReplicationModel], Any]], Any]
"""Turns a function of the model into a resource input (see ``component._Derive``)."""


def declare_destination_settings(
    parent: pulumi.Resource,
    name: str,
    spec: ReplicationSpec,
    derive: Derive,
    providers: Sequence[pulumi.ProviderResource],
) -> list[pulumi.Resource]:
    """Declare every settings resource of every destination registry and return them."""
    roles, declared = _template_roles(parent, name, spec, derive, providers)
    for position, slot in enumerate(spec.slots):
        if slot.settings is None:
            continue
        opts = pulumi.ResourceOptions(parent=parent, provider=providers[slot.index])
        declared += _declare_registry_settings(name, position, slot, slot.settings, derive, opts, roles.get(position))
    return declared


def _template_roles(
    parent: pulumi.Resource,
    name: str,
    spec: ReplicationSpec,
    derive: Derive,
    providers: Sequence[pulumi.ProviderResource],
) -> tuple[dict[int, aws.iam.Role], list[pulumi.Resource]]:
    """One role per destination account whose templates need ``custom_role_arn``.

    Returns the role of each slot position that needs one, and every role and role policy declared (the
    replication configuration waits for the policies too, so the role can act when replication starts).
    """
    positions_by_account: dict[str | int, list[int]] = {}
    for position, slot in enumerate(spec.slots):
        if slot.settings is not None and slot.settings.needs_role:
            account_key = slot.account_id or id(providers[slot.index])
            positions_by_account.setdefault(account_key, []).append(position)
    roles: dict[int, aws.iam.Role] = {}
    declared: list[pulumi.Resource] = []
    for positions in positions_by_account.values():
        first = spec.slots[positions[0]]
        account_label = first.account_id or f"destination{first.index}"
        opts = pulumi.ResourceOptions(parent=parent, provider=providers[first.index])
        role = aws.iam.Role(
            f"{name}-template-role-{account_label}",
            description="Lets ECR apply replication creation templates (KMS encryption, resource tags).",
            assume_role_policy=derive(
                lambda p, i=positions[0]: documents.template_role_trust_policy(p.destinations[i].registry.account_id)
            ),
            opts=opts,
        )
        role_policy = aws.iam.RolePolicy(
            f"{name}-template-role-policy-{account_label}",
            role=role.name,
            policy=derive(lambda p, ps=positions: documents.template_role_policy([p.destinations[i] for i in ps])),
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(parent=role)),
        )
        roles.update(dict.fromkeys(positions, role))
        declared += [role, role_policy]
    return roles, declared


def _declare_registry_settings(
    name: str,
    position: int,
    slot: DestinationSlot,
    settings: RepositorySettings,
    derive: Derive,
    opts: pulumi.ResourceOptions,
    role: aws.iam.Role | None,
) -> list[pulumi.Resource]:
    """Templates, scanning and pre-created repositories of one destination registry."""
    suffix = slot.resource_suffix
    region = derive(lambda p: p.destinations[position].registry.region)
    encryption = derive(lambda p: settings.encryption_configuration(p.destinations[position].registry.region))
    declared: list[pulumi.Resource] = []

    if settings.needs_template:
        for prefix in template_prefixes(slot.prefixes):
            declared.append(
                aws.ecr.RepositoryCreationTemplate(
                    f"{name}-template-{prefix}-{suffix}",
                    prefix=prefix,
                    applied_fors=["REPLICATION"],
                    description=f"Settings of repositories that replication creates under {prefix}"[:MAX_DESCRIPTION],
                    image_tag_mutability=settings.image_tag_mutability,
                    image_tag_mutability_exclusion_filters=settings.exclusion_filters(),
                    encryption_configurations=encryption,
                    lifecycle_policy=settings.lifecycle_policy,
                    repository_policy=settings.repository_policy,
                    resource_tags=dict(settings.tags) or None,
                    custom_role_arn=role.arn if role is not None and settings.needs_role else None,
                    region=region,
                    opts=opts,
                )
            )

    if settings.scan_on_push:
        filters = [{"filter": f, "filter_type": "WILDCARD"} for f in scanning_filters(slot.prefixes)]
        declared.append(
            aws.ecr.RegistryScanningConfiguration(
                f"{name}-scanning-{suffix}",
                scan_type="BASIC",
                rules=[{"scan_frequency": "SCAN_ON_PUSH", "repository_filters": filters}],
                region=region,
                opts=opts,
            )
        )

    for repository_name in settings.repositories:
        label = f"{repository_name}-{suffix}"
        repository = aws.ecr.Repository(
            f"{name}-repository-{label}",
            name=repository_name,
            image_tag_mutability=settings.image_tag_mutability,
            image_tag_mutability_exclusion_filters=settings.exclusion_filters(),
            encryption_configurations=encryption,
            image_scanning_configuration={"scan_on_push": settings.scan_on_push},
            tags=dict(settings.tags) or None,
            region=region,
            opts=opts,
        )
        declared.append(repository)
        child = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(parent=repository))
        repository_documents = (
            (aws.ecr.LifecyclePolicy, "lifecycle", settings.lifecycle_policy),
            (aws.ecr.RepositoryPolicy, "repository-policy", settings.repository_policy),
        )
        for resource_class, role, document in repository_documents:
            if document is not None:
                declared.append(
                    resource_class(
                        f"{name}-{role}-{label}", repository=repository.name, policy=document, region=region, opts=child
                    )
                )
    return declared
