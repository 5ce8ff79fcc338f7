"""Declare the resources that configure the repositories replication and pull-through cache create.

Per registry that receives repository settings (a replication destination, or a pull-through spoke), through its
provider and in its region: creation templates for its prefixes, applied for replication or for pull-through cache,
the registry scanning configuration (scan on push), and pre-created repositories with their lifecycle and repository
policies; once per account, the role that templates need for KMS encryption or resource tags. The replication
configuration and the pull-through cache rules depend on all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from replication import documents, limits
from replication.adoption import Adoption
from replication.model import (DestinationSlot, RegistrySlot, ReplicationModel, ReplicationSpec, template_role_name,
                               template_role_policy_name)
from replication.repository_settings import RepositorySettings, template_prefixes

ModelInput = Callable[[Callable[[ReplicationModel], Any]], Any]
"""Turns a function of the validated model into a resource input: a plain value when the model is known while
the program runs, an output when it waits on lookups (``component._Validated.input``)."""


@dataclass(frozen=True)
class SettingsTarget:
    """A registry whose repositories get repository settings, as the component declares them."""

    slot: RegistrySlot
    settings: RepositorySettings
    prefixes: tuple[str, ...]
    """The prefixes of the repositories created there (empty: every repository), for scanning rules."""
    template_prefixes: tuple[str, ...]
    """The creation templates' prefixes."""
    applied_for: str
    """What the templates act for: ``REPLICATION`` or ``PULL_THROUGH_CACHE``."""
    provider: pulumi.ProviderResource
    resolved: Callable[[ReplicationModel], Any]
    """The resolved registry of the slot in the model: it has ``registry`` and ``kms_key``."""
    role_patterns: Callable[[Any], Sequence[str]]
    """The repository part of the ARNs the templates may create, from the resolved registry (for the templates' role)."""

    def role_entry(self, model: ReplicationModel) -> documents.TemplateRoleEntry:
        """What the templates' role policy needs of this registry."""
        resolved = self.resolved(model)
        return resolved.registry, self.role_patterns(resolved), resolved.kms_key


def destination_targets(spec: ReplicationSpec, providers: Sequence[pulumi.ProviderResource]) -> list[SettingsTarget]:
    """The replication destinations with repository settings (``providers`` by destination index)."""
    return [
        SettingsTarget(slot, slot.settings, slot.prefixes, template_prefixes(slot.prefixes),
                       limits.APPLIED_FOR_REPLICATION, providers[slot.index],
                       lambda m, p=position: m.destinations[p], lambda d: d.grant.name_patterns())
        for position, slot in enumerate(spec.slots)
        if isinstance(slot, DestinationSlot) and slot.settings is not None
    ]


def declare_repository_settings(
    parent: pulumi.Resource,
    name: str,
    targets: Sequence[SettingsTarget],
    model_input: ModelInput,
    adoption: Adoption,
    checked: pulumi.Output[None],
) -> tuple[list[pulumi.Resource], list[list[pulumi.Resource]]]:
    """Declare every settings resource of every target registry; with ``adoption`` the templates and scanning
    configurations are imported (roles and pre-created repositories never are). Each waits for ``checked`` (the
    providers agree with the explicit values: ``replication.provider_facts``).

    Returns every resource declared, and those of each target (its role and role policy included), in order.
    """
    roles, declared = _template_roles(parent, name, targets, model_input, checked)
    by_target = []
    for position, target in enumerate(targets):
        opts = pulumi.ResourceOptions(parent=parent, provider=target.provider, depends_on=[checked])
        role = roles.get(position)
        own = _declare_registry_settings(name, target, model_input, opts, role[0] if role else None, adoption)
        declared += own
        by_target.append([*(role or ()), *own])
    return declared, by_target


def account_key(slot: RegistrySlot, provider: pulumi.ProviderResource) -> str | int:
    """What the registries of one account share: the explicit account id, else the provider."""
    return slot.account_id or id(provider)


def declare_role(
    parent: pulumi.Resource,
    provider: pulumi.ProviderResource,
    checked: pulumi.Output[None],
    role_name: str,
    policy_name: str,
    description: str,
    trust_policy: str,
    policy: pulumi.Input[str],
) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
    """A role an AWS service assumes in one account (through ``provider``) and its inline policy, the policy a child
    of the role; both wait for ``checked`` (the providers agree with the explicit values:
    ``replication.provider_facts``)."""
    opts = pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=[checked])
    role = aws.iam.Role(role_name, description=description, assume_role_policy=trust_policy, opts=opts)
    role_policy = aws.iam.RolePolicy(
        policy_name, role=role.name, policy=policy,
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(parent=role)),
    )
    return role, role_policy


def _template_roles(
    parent: pulumi.Resource,
    name: str,
    targets: Sequence[SettingsTarget],
    model_input: ModelInput,
    checked: pulumi.Output[None],
) -> tuple[dict[int, tuple[aws.iam.Role, aws.iam.RolePolicy]], list[pulumi.Resource]]:
    """One role per account whose templates need ``custom_role_arn``.

    Returns the role and role policy of each target position that needs one, and every role and role policy
    declared (the replication configuration waits for the policies too, so the role can act when replication
    starts).
    """
    positions_by_account: dict[str | int, list[int]] = {}
    for position, target in enumerate(targets):
        if target.settings.needs_role:
            positions_by_account.setdefault(account_key(target.slot, target.provider), []).append(position)
    roles: dict[int, tuple[aws.iam.Role, aws.iam.RolePolicy]] = {}
    declared: list[pulumi.Resource] = []
    for positions in positions_by_account.values():
        first = targets[positions[0]]
        role, role_policy = declare_role(
            parent, first.provider, checked, template_role_name(name, first.slot),
            template_role_policy_name(name, first.slot),
            "Lets ECR apply replication creation templates (KMS encryption, resource tags).",
            documents.template_role_trust_policy(),
            model_input(lambda m, ps=positions: documents.template_role_policy([targets[i].role_entry(m) for i in ps])),
        )
        roles.update(dict.fromkeys(positions, (role, role_policy)))
        declared += [role, role_policy]
    return roles, declared


def _declare_registry_settings(
    name: str,
    target: SettingsTarget,
    model_input: ModelInput,
    opts: pulumi.ResourceOptions,
    role: aws.iam.Role | None,
    adoption: Adoption,
) -> list[pulumi.Resource]:
    """Templates, scanning and pre-created repositories of one registry."""
    slot, settings = target.slot, target.settings
    suffix = slot.resource_suffix
    region = model_input(lambda m: target.resolved(m).registry.region)
    encryption = model_input(lambda m: documents.encryption_configurations(settings, target.resolved(m).kms_key))
    declared: list[pulumi.Resource] = []

    if settings.needs_template:
        for prefix in target.template_prefixes:
            declared.append(
                aws.ecr.RepositoryCreationTemplate(
                    f"{name}-template-{prefix}-{suffix}",
                    **documents.creation_template_inputs(settings, prefix, target.applied_for),
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
                rules=documents.scanning_rules(target.prefixes),
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
