"""What the first ``pulumi up`` of an adopting stack does to each live resource, from the program's offline run.

:func:`review` compares what the program declares (the registrations of
:func:`replication.preview.runner.run_program_file`) with what ``ecr-replication import`` read
(:class:`~replication.stack.importer.LiveSetup`), resource by resource:

* *adopted as is*: imported, and the declared inputs are the live ones, so nothing changes; a registry policy
  whose text differs only in how its statements are written (a string for a one-item list, entries or statements
  in another order) is the same policy to IAM and to pulumi-aws, which doesn't write it again (the outcome says
  how the live text differs);
* *rewritten*: imported, then updated to the declared inputs, which keep everything live (Pulumi 3.174.0 and
  later import and update in one deployment, pulumi/pulumi#19339; earlier versions refuse the import);
* *created*: nothing live to adopt (no import id).

A spoke's pull-through cache rule is adopted as is when its upstream, prefixes and role are the live ones; a rule
across accounts is rewritten to name the role the stack creates (the live role stays, unused by the rule).

Anything the update would remove or change beyond that (a live policy statement missing: none of the same Sid and
meaning, however written, :meth:`~replication.iam_policy.Statement.normal_form`; other replication, a
template or scanning setting changed, an import of something that doesn't exist) is a *removal*, and the stack
must not be written. Pulumi itself no longer refuses an import whose inputs differ, so this comparison is the
safety: it is made on the exact documents the program declares.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from replication.ecr_semantics import Registry, canonical_json, replication_differences, rule_layout, rules_from_api
from replication.iam_policy import PolicyDocumentError, parse_policy, policy_statements
from replication.preview.runner import OfflineRun, RegisteredResource, provider_account
from replication.resource_types import (AWS_PROVIDER_TYPE, PULL_THROUGH_CACHE_RULE, REGISTRY_POLICY,
                                        REGISTRY_SCANNING_CONFIGURATION, REPLICATION_CONFIGURATION,
                                        REPOSITORY_CREATION_TEMPLATE)
from replication.pull_through import upstream_prefix
from replication.stack.importer import LiveSetup, scanning_rules
from replication.template_settings import TemplateSettings

ADOPTED_AS_IS = "adopted as is"


@dataclass(frozen=True)
class ResourceOutcome:
    """What the first ``pulumi up`` does to one declared resource."""

    what: str
    """The live resource in words: ``registry policy 222222222222/us-west-2``."""
    type: str
    """The Pulumi type token."""
    name: str
    """The Pulumi resource name."""
    import_id: str
    """The import id it is adopted with ("" when created)."""
    outcome: str
    """``adopted as is``, ``rewritten: …`` or ``created``."""


@dataclass
class Review:
    """Every declared resource's outcome, and what the stack would remove from live state."""

    outcomes: list[ResourceOutcome] = field(default_factory=list)
    removals: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Policy:
    """A registry policy as the review compares it: its ``Version`` and ``Id``, and each statement's label (Sid,
    else ``#position``), text and form (what it means, written one way: :meth:`Statement.normal_form`)."""

    header: tuple[str, str]
    labels: tuple[str, ...]
    texts: tuple[str, ...]
    forms: tuple[Any, ...]

    @classmethod
    def read(cls, document: str, partition: str) -> _Policy:
        """The policy in ``document``; one IAM couldn't evaluate is compared by its statements' text."""
        parsed = json.loads(document)
        raw = policy_statements(parsed)
        texts = tuple(canonical_json(s) for s in raw)
        try:
            forms: tuple[Any, ...] = tuple(s.normal_form(partition) for s in parse_policy(parsed))
        except PolicyDocumentError:
            forms = texts
        labels = tuple(str(s.get("Sid") or f"#{n}") if isinstance(s, dict) else f"#{n}" for n, s in enumerate(raw, 1))
        return cls((str(parsed.get("Version")), str(parsed.get("Id") or "")), labels, texts, forms)

    def not_in(self, other: _Policy) -> list[str]:
        """The labels of the statements whose form ``other`` doesn't have."""
        return [label for label, form in zip(self.labels, self.forms) if form not in other.forms]


def _header_changes(live: _Policy, declared: _Policy) -> list[str]:
    names = ("Version", "Id")
    return [f"{name} {old or '(none)'} -> {new or '(none)'}"
            for name, old, new in zip(names, live.header, declared.header) if old != new]


class _Reviewer:
    def __init__(self, live: LiveSetup, run: OfflineRun) -> None:
        self.live = live
        self.accounts = {r.urn: provider_account(r.inputs).account_id for r in run.of_type(AWS_PROVIDER_TYPE)}
        self.result = Review()

    def registry(self, resource: RegisteredResource) -> Registry:
        return Registry(str(self.accounts.get(resource.provider_urn)), str(resource.inputs.get("region")))

    def outcome(self, what: str, resource: RegisteredResource, outcome: str) -> None:
        self.result.outcomes.append(ResourceOutcome(what, resource.type, resource.name, resource.import_id, outcome))

    def adopted(self, what: str, resource: RegisteredResource, exists: bool) -> bool:
        """Whether the resource is adopted from something live; a removal when the import can't be what it must."""
        if exists and not resource.import_id:
            self.result.removals.append(f"{what} exists, and the stack would create it over the live one "
                                        "(it has no import id: set ecr-replication:adopt)")
        elif resource.import_id and not exists:
            self.result.removals.append(f"{what} doesn't exist, and the stack would import it ({resource.import_id})")
        elif not exists:
            self.outcome(what, resource, "created")
        return exists and bool(resource.import_id)

    def replication(self, resource: RegisteredResource) -> None:
        registry = self.registry(resource)
        what = f"replication configuration {registry}"
        if not self.adopted(what, resource, registry == self.live.source and bool(self.live.rules)):
            return
        declared = rules_from_api(resource.inputs.get("replicationConfiguration"))
        live = rules_from_api({"rules": list(self.live.rules)})
        differences = replication_differences(declared, live)
        for difference in differences:
            self.result.removals.append(f"{what}: with the stack, {difference} (against live)")
        if differences:
            return
        if [r.as_api() for r in declared] == [r.as_api() for r in live]:
            self.outcome(what, resource, ADOPTED_AS_IS)
        elif rule_layout(declared) == rule_layout(live):
            self.outcome(what, resource, "rewritten: the same rules in the component's order")
        else:
            self.outcome(what, resource, f"rewritten: the {len(live)} live rule(s) laid out as the component's "
                                         f"{len(declared)} (one per distinct prefix set), replicating the same")

    def policy(self, resource: RegisteredResource) -> None:
        """A live statement is kept when the declared policy has one of the same form (the same Sid and meaning,
        however written); the policy is adopted as is when both have the same statements by form, in any order,
        which pulumi-aws doesn't write again (see :meth:`Statement.normal_form`)."""
        registry = self.registry(resource)
        what = f"registry policy {registry}"
        live_policy = self.live.policy_of(registry)
        if not self.adopted(what, resource, live_policy is not None):
            return
        assert live_policy is not None
        live = _Policy.read(live_policy, registry.partition)
        declared = _Policy.read(str(resource.inputs.get("policy")), registry.partition)
        removed = live.not_in(declared)
        if removed:
            self.result.removals.append(f"{what}: the stack would remove live statement(s) {', '.join(removed)}")
            return
        added = declared.not_in(live)
        changes = [f"adds statement(s) {', '.join(added)}"] if added else []
        changes += _header_changes(live, declared)
        if not changes and Counter(live.forms) != Counter(declared.forms):
            changes.append("writes a statement another number of times")
        if changes:
            changes.append(f"keeps the {len(live.forms)} live statement(s)")
            self.outcome(what, resource, "rewritten: " + "; ".join(changes))
        elif live.texts == declared.texts:
            self.outcome(what, resource, ADOPTED_AS_IS)
        else:
            self.outcome(what, resource, f"{ADOPTED_AS_IS} ({_spelling(live, declared)}: the same policy to IAM and "
                                         "to pulumi-aws, which doesn't write it again)")

    def template(self, resource: RegisteredResource) -> None:
        registry = self.registry(resource)
        prefix = str(resource.inputs.get("prefix"))
        what = f"creation template {prefix} in {registry}"
        found = self.live.registry(registry)
        template = found.template(prefix) if found is not None else None
        if not self.adopted(what, resource, template is not None):
            return
        assert template is not None
        changes = TemplateSettings.from_api(template).differences(TemplateSettings.from_inputs(resource.inputs))
        if changes:
            self.result.removals.append(f"{what}: the stack would change {'; '.join(changes)}")
        elif (template.get("description") or "") != (resource.inputs.get("description") or ""):
            self.outcome(what, resource, f"rewritten: description {template.get('description')!r} -> "
                                         f"{resource.inputs.get('description')!r}")
        else:
            self.outcome(what, resource, ADOPTED_AS_IS)

    def scanning(self, resource: RegisteredResource) -> None:
        registry = self.registry(resource)
        what = f"scanning configuration {registry}"
        found = self.live.registry(registry)
        if not self.adopted(what, resource, found is not None):
            return
        assert found is not None
        live_type, live_rules = found.scanning.get("scanType") or "BASIC", scanning_rules(found.scanning)
        declared_type, declared_rules = str(resource.inputs.get("scanType")), scanning_rules(resource.inputs)
        if (live_type, live_rules) == (declared_type, declared_rules):
            self.outcome(what, resource, ADOPTED_AS_IS)
        elif (live_type, _unordered(live_rules)) == (declared_type, _unordered(declared_rules)):
            self.outcome(what, resource, "rewritten: the same rules in the component's order")
        else:
            self.result.removals.append(
                f"{what}: the stack would change {live_type} {_rules_text(live_rules)} to {declared_type} "
                f"{_rules_text(declared_rules)}")


    def pull_through(self, resource: RegisteredResource) -> None:
        """A spoke's rule: its upstream and prefixes as live (pulumi-aws replaces a rule whose ``ecr_repository_
        prefix``, ``upstream_registry_url`` or ``upstream_repository_prefix`` changes: ``ForceNew`` in its Terraform
        schema), and its role, which an update may set but not take off."""
        registry = self.registry(resource)
        inputs = resource.inputs
        prefix = str(inputs.get("ecrRepositoryPrefix"))
        what = f"pull-through cache rule {prefix} in {registry}"
        found = self.live.registry(registry)
        rule = next((r for r in found.pull_through_rules if r.get("ecrRepositoryPrefix") == prefix), None) if found else None
        if not self.adopted(what, resource, rule is not None):
            return
        assert rule is not None
        replaced = [f"{name} {live!r} -> {declared!r}" for name, live, declared in (
            ("upstream", rule.get("upstreamRegistryUrl"), inputs.get("upstreamRegistryUrl")),
            ("upstream prefix", upstream_prefix(rule), upstream_prefix(inputs))) if live != declared]
        if replaced:
            self.result.removals.append(f"{what}: the stack would replace the rule ({'; '.join(replaced)})")
            return
        live_role, declared_role = rule.get("customRoleArn"), inputs.get("customRoleArn")
        if live_role == declared_role:
            self.outcome(what, resource, ADOPTED_AS_IS)
        elif declared_role is None:
            self.result.removals.append(f"{what}: the stack would take its role {live_role} off, which "
                                        "UpdatePullThroughCacheRule refuses (it takes a role or a secret: "
                                        "pulumi/pulumi-aws#5714)")
        else:
            kept = f"; {live_role} stays as it is, no longer named by this rule" if live_role else ""
            self.outcome(what, resource, f"rewritten: names the role the stack creates in account "
                                         f"{registry.account_id} ({declared_role}) instead of {live_role or 'none'}"
                                         f"{kept}")


def review(live: LiveSetup, run: OfflineRun) -> Review:
    """Each declared resource's outcome and every removal (see the module docs), in one order for the same
    declarations: by type (the replication configuration, registry policies, templates, scanning, pull-through
    cache rules), then name.
    Not in registration order: the Pulumi SDK sends ``RegisterResource`` from a thread pool (``run_in_executor``
    in ``pulumi.runtime.resource``), so resources of one program register in another order from run to run."""
    reviewer = _Reviewer(live, run)
    checks = {REPLICATION_CONFIGURATION: reviewer.replication, REGISTRY_POLICY: reviewer.policy,
              REPOSITORY_CREATION_TEMPLATE: reviewer.template, REGISTRY_SCANNING_CONFIGURATION: reviewer.scanning,
              PULL_THROUGH_CACHE_RULE: reviewer.pull_through}
    order = list(checks)
    for resource in sorted(run.resources, key=lambda r: (order.index(r.type) if r.type in order else len(order),
                                                         r.type, r.name)):
        if not resource.custom or resource.type.startswith("pulumi:providers:"):
            continue
        check = checks.get(resource.type)
        if check is not None:
            check(resource)
        elif resource.import_id:
            reviewer.result.removals.append(f"{resource.name} would import {resource.import_id}, which import didn't read")
        else:
            reviewer.outcome(f"{resource.type.rsplit(':', 1)[-1]} {resource.name}", resource, "created")
    if not run.of_type(REPLICATION_CONFIGURATION):
        reviewer.result.removals.append(f"the program declares no replication configuration for {live.source}")
    return reviewer.result


def _spelling(live: _Policy, declared: _Policy) -> str:
    """How the live text of a policy differs from the declared one with the same statements: the statements it
    writes otherwise (a string for a one-item list, entries in another order), and their order."""
    declared_texts = set(declared.texts)
    spelled = [label for label, text in zip(live.labels, live.texts) if text not in declared_texts]
    parts = [f"writes statement(s) {', '.join(spelled)} otherwise"] if spelled else []
    positions = [live.forms.index(form) for form in declared.forms]
    if positions != sorted(positions):
        parts.append("orders the statements otherwise")
    return "the live text " + " and ".join(parts)


def _unordered(rules: tuple[tuple[str, tuple[str, ...]], ...]) -> list[tuple[str, tuple[str, ...]]]:
    return sorted((frequency, tuple(sorted(filters))) for frequency, filters in rules)


def _rules_text(rules: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    return "; ".join(f"{frequency} {', '.join(filters)}" for frequency, filters in rules) or "(no rules)"
