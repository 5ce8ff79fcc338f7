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
from replication.adoption import Adoption
from replication.model import (DestinationSlot, ReplicationModel, ReplicationSpec, template_role_name,
                               template_role_policy_name)
from replication.repository_settings import RepositorySettings, template_prefixes

ModelInput = Callable[[Callable[[ReplicationModel], Any]], Any]
"""Turns a function of the validated model into a resource input: a plain value when the model is known while
the program runs, an output when it waits on lookups (``component._Validated.input``)."""


def declare_destination_settings(
    parent: pulumi.Resource,
    name: str,
    spec: ReplicationSpec,
    model_input: ModelInput,
    providers: Sequence[pulumi.ProviderResource],
    adoption: Adoption,
    checked: pulumi.Output[None],
) -> list[pulumi.Resource]:
    """Declare every settings resource of every destination registry and return them; with ``adoption`` the
    templates and scanning configurations are imported (the role and pre-created repositories never are). Each
    waits for ``checked`` (the providers agree with the explicit values: ``replication.provider_facts``)."""
    roles, declared = _template_roles(parent, name, spec, model_input, providers, checked)
    for position, slot in enumerate(spec.slots):
        if slot.settings is None:
            continue
        opts = pulumi.ResourceOptions(parent=parent, provider=providers[slot.index], depends_on=[checked])
        declared += _declare_registry_settings(
            name, position, slot, slot.settings, model_input, opts, roles.get(position), adoption
        )
    return declared


def _template_roles(
    parent: pulumi.Resource,
    name: str,
    spec: ReplicationSpec,
    model_input: ModelInput,
    providers: Sequence[pulumi.ProviderResource],
    checked: pulumi.Output[None],
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
        role_name = template_role_name(name, first)
        opts = pulumi.ResourceOptions(parent=parent, provider=providers[first.index], depends_on=[checked])
        role = aws.iam.Role(
            role_name,
            description="Lets ECR apply replication creation templates (KMS encryption, resource tags).",
            assume_role_policy=documents.template_role_trust_policy(),
            opts=opts,
        )
        role_policy = aws.iam.RolePolicy(
            template_role_policy_name(name, first),
            role=role.name,
            policy=model_input(lambda m, ps=positions: documents.template_role_policy([m.destinations[i] for i in ps])),
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
    model_input: ModelInput,
    opts: pulumi.ResourceOptions,
    role: aws.iam.Role | None,
    adoption: Adoption,
) -> list[pulumi.Resource]:
    """Templates, scanning and pre-created repositories of one destination registry."""
    suffix = slot.resource_suffix
    region = model_input(lambda m: m.destinations[position].registry.region)
    encryption = model_input(lambda m: documents.encryption_configurations(settings, m.destinations[position].kms_key))
    declared: list[pulumi.Resource] = []

    if settings.needs_template:
        for prefix in template_prefixes(slot.prefixes):
            declared.append(
                aws.ecr.RepositoryCreationTemplate(
                    f"{name}-template-{prefix}-{suffix}",
                    **documents.creation_template_inputs(settings, prefix),
                    encryption_configurations=encryption,
                    custom_role_arn=role.arn if role is not None else None,
                    region=region,
                    opts=_imported(opts, adoption.template(prefix, slot.region)),
                )
            )

    if settings.scan_on_push:
        declared.append(
            aws.ecr.RegistryScanningConfiguration(
                f"{name}-scanning-{suffix}",
                scan_type="BASIC",
                rules=documents.scanning_rules(slot.prefixes),
                region=region,
                opts=_imported(opts, adoption.registry_document(slot.account_id, slot.region)),
            )
        )

    lifecycle = documents.lifecycle_policy(settings)
    for repository_name in settings.repositories:
        label = f"{repository_name}-{suffix}"
        repository = aws.ecr.Repository(
            f"{name}-repository-{label}",
            **documents.repository_inputs(settings, repository_name),
            encryption_configurations=encryption,
            region=region,
            opts=opts,
        )
        declared.append(repository)
        child = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(parent=repository))
        repository_documents = (
            (aws.ecr.LifecyclePolicy, "lifecycle", lifecycle),
            (aws.ecr.RepositoryPolicy, "repository-policy", settings.repository_policy),
        )
        for resource_class, kind, document in repository_documents:
            if document is not None:
                declared.append(
                    resource_class(
                        f"{name}-{kind}-{label}", repository=repository.name, policy=document, region=region, opts=child
                    )
                )
    return declared


def _imported(opts: pulumi.ResourceOptions, import_id: str | None) -> pulumi.ResourceOptions:
    """``opts``, with the ``import`` option when the resource is adopted."""
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(import_=import_id)) if import_id else opts
