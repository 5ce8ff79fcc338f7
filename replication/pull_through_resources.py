"""Declare the pull-through spokes' resources: in each spoke registry its pull-through cache rules; in each spoke
account whose spokes cache from another account the role ECR assumes, with its policy; and, when such a spoke
caches from the source, the source registry's policy with the spokes' grants (a destination upstream's grants join
the registry policy the component declares there). The repository settings of spokes are declared with the
destinations' (:mod:`replication.destination_resources`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pulumi
import pulumi_aws as aws

from replication import documents, limits
from replication.adoption import Adoption
from replication.destination_resources import ModelInput, SettingsTarget, account_key, declare_role
from replication.model import ReplicationModel, ReplicationSpec
from replication.pull_through import pull_through_role_name, pull_through_role_policy_name, source_policy_needed


def spoke_targets(spec: ReplicationSpec, providers: Sequence[pulumi.ProviderResource]) -> list[SettingsTarget]:
    """The spoke registries with repository settings (``providers`` by spoke index): their templates act for
    pull-through cache, with the rules' prefixes (ECR user guide, ``CreateRepositoryCreationTemplate``: "When using
    a pull through cache rule, the repository prefix you specify during rule creation is what you should specify as
    your repository creation template prefix as well")."""
    return [
        SettingsTarget(slot, slot.settings, slot.prefixes, slot.cache_prefixes, limits.APPLIED_FOR_PULL_THROUGH_CACHE,
                       providers[slot.index], lambda m, p=position: m.spokes[p], lambda s: s.repository_patterns())
        for position, slot in enumerate(spec.spokes)
        if slot.settings is not None
    ]


RegistryPolicyInput = Callable[[Callable[[ReplicationModel], str]], pulumi.Input[str]]
"""The registry policy document the component rendered and checked for the registry a function of the model names by
host (``component._Validated.registry_policy``)."""


def declare_source_registry_policy(parent: pulumi.Resource, name: str, spec: ReplicationSpec, model_input: ModelInput,
                                   registry_policy: RegistryPolicyInput, source_provider: pulumi.ProviderResource,
                                   adoption: Adoption, checked: pulumi.Output[None]) -> aws.ecr.RegistryPolicy | None:
    """The source registry's policy, holding the grants of the cross-account spokes that cache from the source, when
    the component manages it (``None`` otherwise); with ``adoption`` it is imported. It replaces any other policy of
    the source registry. It waits for ``checked`` (the providers agree with the explicit values:
    ``replication.provider_facts``)."""
    if not source_policy_needed(spec):
        return None
    return aws.ecr.RegistryPolicy(
        f"{name}-registry-policy-source",
        policy=registry_policy(lambda m: m.source.host),
        region=model_input(lambda m: m.source.region),
        opts=pulumi.ResourceOptions(parent=parent, provider=source_provider, depends_on=[checked],
                                    import_=adoption.registry_document(spec.source_account_id, spec.source_region)),
    )


def declare_pull_through(
    parent: pulumi.Resource,
    name: str,
    spec: ReplicationSpec,
    model_input: ModelInput,
    providers: Sequence[pulumi.ProviderResource],
    upstream_policies: Mapping[int | None, pulumi.Resource],
    settings: Mapping[int, Sequence[pulumi.Resource]],
    adoption: Adoption,
    checked: pulumi.Output[None],
) -> list[pulumi.Resource]:
    """Declare every spoke's pull-through cache rules, and the roles of the cross-account ones, and return them;
    with ``adoption`` the rules are imported (the roles are always created).

    ``providers`` are the spokes' by spoke index; ``upstream_policies`` the registry policies that grant the spokes,
    by upstream (``None``: the source, else the destination registry's position); ``settings`` the repository
    settings resources of each spoke registry, by ``id`` of its slot. Each rule waits for its role and role policy
    and its upstream's policy, as terraform-provider-aws's own cross-account test of the resource does
    (``depends_on`` the registry policy, the role and its policy), and for its registry's repository settings, so
    that the first pull finds everything in place. Everything waits for ``checked`` (the providers agree with the
    explicit values: ``replication.provider_facts``).
    """
    roles = _roles(parent, name, spec, model_input, providers, checked)
    declared: list[pulumi.Resource] = [resource for pair in roles.values() for resource in pair]
    for position, slot in enumerate(spec.spokes):
        role = roles.get(account_key(slot, providers[slot.index]))
        waits_for: list[pulumi.Input[pulumi.Resource]] = [*(role or ()), *settings.get(id(slot), ()), checked]
        if slot.upstream_position in upstream_policies:
            waits_for.append(upstream_policies[slot.upstream_position])
        opts = pulumi.ResourceOptions(parent=parent, provider=providers[slot.index], depends_on=waits_for)
        upstream_host = model_input(lambda m, p=position: m.spokes[p].upstream.host)
        for prefix in slot.cache_prefixes:
            declared.append(
                aws.ecr.PullThroughCacheRule(
                    f"{name}-pull-through-{prefix}-{slot.resource_suffix}",
                    **documents.pull_through_rule_inputs(prefix, upstream_host),
                    custom_role_arn=role[0].arn if role is not None and slot.cross_account else None,
                    region=model_input(lambda m, p=position: m.spokes[p].registry.region),
                    opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(
                        import_=adoption.pull_through_rule(prefix, slot.region))),
                )
            )
    return declared


def _roles(
    parent: pulumi.Resource,
    name: str,
    spec: ReplicationSpec,
    model_input: ModelInput,
    providers: Sequence[pulumi.ProviderResource],
    checked: pulumi.Output[None],
) -> dict[str | int, tuple[aws.iam.Role, aws.iam.RolePolicy]]:
    """One role per account with cross-account spokes, trusted by ECR's pull-through cache, and its policy."""
    positions_by_account: dict[str | int, list[int]] = {}
    for position, slot in enumerate(spec.spokes):
        if slot.cross_account:
            positions_by_account.setdefault(account_key(slot, providers[slot.index]), []).append(position)
    roles = {}
    for key, positions in positions_by_account.items():
        first = spec.spokes[positions[0]]
        roles[key] = declare_role(
            parent, providers[first.index], checked, pull_through_role_name(name, first),
            pull_through_role_policy_name(name, first),
            "Lets ECR pull-through cache copy images from the upstream registry into this account's spokes.",
            documents.pull_through_role_trust_policy(),
            model_input(lambda m, ps=positions: documents.pull_through_role_policy([m.spokes[i] for i in ps])),
        )
    return roles
