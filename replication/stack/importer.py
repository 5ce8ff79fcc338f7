"""From a live replication setup to the example stack's configuration, or the reasons it can't be expressed.

Pure: :class:`LiveSetup` holds what ``ecr-replication import`` read (AWS JSON, as boto3 returns it), and
:func:`config_from_live` turns it into ``ecr-replication:`` config values (keys as
:mod:`replication.stack.schema` names them) that declare the same replication, or lists, one line per item,
what the component can't declare:

* replication: what each destination receives (:func:`~replication.ecr_semantics.replicated_prefixes`), not the
  rule layout; a filter other than ``PREFIX_MATCH`` or a rule with ``deleteReplication`` is refused (pulumi-aws
  7.51.1 can declare neither, and an update rewrites the rules without them);
* registry policies: every statement except the component's own replication statement becomes a
  ``registryPolicyStatements`` entry, so adopting keeps every grant; a statement the component rejects (an Allow
  whose principals ``iam_policy.principal_problems`` finds fault with, one IAM can't evaluate) is refused, and so
  is a cross-account registry without a policy (adopting imports the policy, which must exist);
* creation templates applied to ``REPLICATION``: one set of repository settings per registry, on exactly the
  templates the component declares for its prefixes (``repository_settings.template_prefixes``); a custom role,
  resource tags, KMS encryption, another ``appliedFor``, a repository policy the component rejects (the same
  principal rule) or settings that differ between a registry's templates are refused (the component has no
  argument for a role of its own choosing, and applies one set of settings to every replicated prefix of a
  registry);
* the registry scanning configuration: ``scanOnPush`` when it is exactly the component's rule for the
  registry's prefixes (``BASIC``, one ``SCAN_ON_PUSH`` rule); none when it has no rules; anything else
  (``ENHANCED``, other rules) is refused.

Destinations are grouped into one config entry per account wherever their prefixes, settings and extra policy
statements agree (statements name their region's ARNs, so regions usually get an entry each); prefixes and
settings shared by every entry move to the top level. Destinations, regions, prefixes and statements keep the
order live state lists them in (first appearance), so that a configuration the component would lay out the same
way is adopted without a change; the same live state always gives the same config.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from replication.ecr_semantics import (EVERY_REPOSITORY, Registry, Rule, UnsupportedRuleError, canonical_json,
                                       replicated_prefixes, rule_from_api)
from replication.errors import ReplicationConfigError
from replication.iam_policy import PolicyDocumentError, parse_policy, policy_statements
from replication.limits import APPLIED_FOR_REPLICATION, DEFAULT_ENCRYPTION_TYPE
from replication.model import POLICY_SID, check_policy_statements
from replication.repository_settings import check_repository_policy, scanning_filters, template_prefixes
from replication.template_settings import TemplateSettings

@dataclass(frozen=True)
class LiveRegistry:
    """A destination registry as read with its own account's credentials."""

    registry: Registry
    policy: str | None
    """Its registry permissions policy text; ``None`` when it has none (or, same-account, when none was read)."""
    templates: tuple[Mapping[str, Any], ...]
    """Every repository creation template (``DescribeRepositoryCreationTemplates``), whatever it applies to."""
    scanning: Mapping[str, Any]
    """Its ``scanningConfiguration`` (``GetRegistryScanningConfiguration``)."""

    def template(self, prefix: str) -> Mapping[str, Any] | None:
        """The live template for ``prefix``, if any (a registry has at most one per prefix)."""
        return next((t for t in self.templates if t.get("prefix") == prefix), None)


@dataclass(frozen=True)
class LiveSetup:
    """A source registry's live replication and every destination registry it names."""

    source: Registry
    rules: tuple[Mapping[str, Any], ...]
    """The rules of its replication configuration, as ``DescribeRegistry`` returns them."""
    registries: tuple[LiveRegistry, ...]

    def registry(self, registry: Registry) -> LiveRegistry | None:
        """What was read of ``registry``, if it is a destination."""
        return next((r for r in self.registries if r.registry == registry), None)


def destinations_named(rules: Sequence[Mapping[str, Any]]) -> list[Registry]:
    """Every destination registry the rules name (whether or not the rules can be modelled), sorted."""
    named = {Registry(str(d["registryId"]), str(d["region"])) for rule in rules for d in rule.get("destinations") or ()}
    return sorted(named)


def scanning_rules(configuration: Mapping[str, Any]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A registry scanning configuration's rules as (scan frequency, WILDCARD filters), in AWS's order."""
    return tuple((str(rule.get("scanFrequency")), tuple(f["filter"] for f in rule.get("repositoryFilters") or ()))
                 for rule in configuration.get("rules") or ())


@dataclass(frozen=True)
class ImportedConfig:
    """Config values declaring a live setup, or why it can't be declared."""

    values: dict[str, Any]
    """``ecr-replication:`` config values by schema key (empty when refused)."""
    entries: tuple[tuple[Registry, ...], ...]
    """The registries of each ``destinations`` entry, in order."""
    refusals: tuple[str, ...]
    """One line per live item the component can't declare: nothing may be written when there is any."""
    notes: tuple[str, ...]
    """Live items the stack leaves as they are."""


@dataclass(frozen=True)
class _Destination:
    registry: Registry
    prefixes: tuple[str, ...]
    """Sorted; empty for every repository."""
    settings: dict[str, Any] | None
    statements: list[Any]

    def group(self) -> tuple[str, tuple[str, ...], str, str]:
        """What registries of one entry must share."""
        return (self.registry.account_id, self.prefixes, canonical_json(self.settings), canonical_json(self.statements))


def config_from_live(live: LiveSetup) -> ImportedConfig:
    """The config that declares ``live`` (see the module docs), with ``adopt: true``."""
    refusals: list[str] = []
    notes: list[str] = []
    rules = _rules(live, refusals)
    if not live.rules:
        refusals.append(f"registry {live.source} has no replication configuration: there is nothing to adopt")
    received = replicated_prefixes(rules)
    prefix_order = {p: n for n, p in enumerate(dict.fromkeys(p for rule in rules for p in rule.prefixes))}
    destinations = []
    for registry in dict.fromkeys(d for rule in rules for d in rule.destinations):
        found = live.registry(registry)
        if found is None:
            refusals.append(f"registry {registry} was not read")
            continue
        prefixes = tuple(sorted((p for p in received[registry] if p != EVERY_REPOSITORY), key=prefix_order.__getitem__))
        settings = _settings(found, prefixes, refusals, notes)
        statements = _statements(live.source, found, refusals)
        destinations.append(_Destination(registry, prefixes, settings, statements))
    if live.rules and not destinations and not refusals:
        refusals.append(f"registry {live.source}: its replication rules name no destination")
    if refusals:
        return ImportedConfig({}, (), tuple(refusals), tuple(notes))
    values, entries = _values(live.source, destinations)
    return ImportedConfig(values, entries, (), tuple(notes))


def _rules(live: LiveSetup, refusals: list[str]) -> list[Rule]:
    """The live rules the component can declare; a line in ``refusals`` for each it can't."""
    rules = []
    for number, raw in enumerate(live.rules, start=1):
        try:
            rule = rule_from_api(raw, number)
        except UnsupportedRuleError as error:
            refusals.append(f"registry {live.source}: {error} (the component declares PREFIX_MATCH filters only)")
            continue
        if rule.delete_replication:
            refusals.append(
                f"registry {live.source}: rule {number} has deleteReplication enabled, which pulumi-aws 7.51.1 can't "
                "declare: the first `pulumi up` would turn it off")
        rules.append(rule)
    return rules


def _statements(source: Registry, live: LiveRegistry, refusals: list[str]) -> list[Any]:
    """The statements of a cross-account registry's policy other than the component's own replication statement
    (the offline comparison checks that the one the component writes is the one live), each one the component
    accepts."""
    registry = live.registry
    if registry.account_id == source.account_id:
        return []
    if live.policy is None:
        refusals.append(
            f"registry {registry} has no registry policy, so replication from {source.account_id} into it fails today; "
            "adopting imports the registry policy, which must exist: grant replication there (or remove the "
            "destination) and import again")
        return []
    try:
        parse_policy(live.policy)
    except PolicyDocumentError as error:
        refusals.append(f"registry {registry}: its registry policy can't be evaluated: {error}")
        return []
    statements = policy_statements(live.policy)
    kept = [s for s in statements if s.get("Sid") != POLICY_SID]
    for position, statement in enumerate(statements, start=1):
        if statement.get("Sid") == POLICY_SID:
            continue
        try:
            check_policy_statements("statement", [statement])
        except ReplicationConfigError as error:
            label = statement.get("Sid") or f"#{position}"
            refusals.append(f"registry {registry}: registry policy statement {label}: {error.problem}")
    return kept


def _settings(live: LiveRegistry, prefixes: tuple[str, ...], refusals: list[str],
              notes: list[str]) -> dict[str, Any] | None:
    """The ``repositorySettings`` that declare a registry's replication templates and scan-on-push, if any."""
    settings: dict[str, Any] = {}
    templates = _template_settings(live, prefixes, refusals, notes)
    if templates is not None:
        settings.update(templates.repository_settings())
    if _scan_on_push(live, prefixes, refusals):
        settings["scanOnPush"] = True
    return settings or None


def _template_settings(live: LiveRegistry, prefixes: tuple[str, ...], refusals: list[str],
                       notes: list[str]) -> TemplateSettings | None:
    """The one set of settings a registry's replication templates share, when they are exactly the templates the
    component declares for ``prefixes``."""
    registry = live.registry
    templates = {str(t["prefix"]): t for t in live.templates
                 if APPLIED_FOR_REPLICATION in (t.get("appliedFor") or ())}
    if not templates:
        return None
    settings = {}
    for prefix, template in sorted(templates.items()):
        found = TemplateSettings.from_api(template)
        where = f"registry {registry}: creation template {prefix}"
        unsupported = [
            (found.custom_role_arn, f"uses the role {found.custom_role_arn}, and the component creates a role of its own"),
            (found.tags, "sets resource tags, which need a role, and the component creates a role of its own"),
            (found.encryption_type != DEFAULT_ENCRYPTION_TYPE,
             f"uses {found.encryption_type} encryption, which needs a role, and the component creates a role of its own"),
            (found.applied_for != (APPLIED_FOR_REPLICATION,),
             f"also applies to {', '.join(a for a in found.applied_for if a != APPLIED_FOR_REPLICATION)}, which the "
             "component has no argument for"),
        ]
        problems = [problem for present, problem in unsupported if present]
        problems += _repository_policy_problems(found.repository_policy)
        refusals += [f"{where} {problem}" for problem in problems]
        if not problems:
            settings[prefix] = found
    if len(settings) != len(templates):
        return None
    distinct = set(settings.values())
    if len(distinct) > 1:
        refusals.append(
            f"registry {registry}: its replication templates set different repository settings "
            f"({'; '.join(f'{p}: {_describe(s)}' for p, s in sorted(settings.items()))}); the component applies one "
            "set of settings to every replicated prefix of a registry")
        return None
    needed = set(template_prefixes(prefixes))
    missing = sorted(needed - set(templates))
    if missing:
        refusals.append(
            f"registry {registry}: the replicated prefixes ({_prefix_list(prefixes)}) need creation templates "
            f"{', '.join(missing)} as well, which don't exist: the component's settings would reach repositories "
            "that live replication creates with the defaults")
        return None
    notes += [f"registry {registry}: creation template {p} (REPLICATION) is for no replicated prefix: the stack leaves "
              "it as it is" for p in sorted(set(templates) - needed)]
    return distinct.pop()


def _repository_policy_problems(document: str | None) -> list[str]:
    """Why the component would reject a template's repository policy (its own check, whose principal rule is
    ``iam_policy.principal_problems``), in words that follow "creation template X"."""
    if document is None:
        return []
    try:
        check_repository_policy("repositoryPolicy", document)
    except ReplicationConfigError as error:
        return [f"has a repository policy the component rejects: {error.field}: {error.problem}"]
    return []


def _describe(settings: TemplateSettings) -> str:
    parts = [settings.image_tag_mutability]
    parts += ["lifecycle policy"] if settings.lifecycle_policy else []
    parts += ["repository policy"] if settings.repository_policy else []
    return ", ".join(parts)


def _prefix_list(prefixes: tuple[str, ...]) -> str:
    return ", ".join(prefixes) or "every repository"


def _scan_on_push(live: LiveRegistry, prefixes: tuple[str, ...], refusals: list[str]) -> bool:
    """Whether the registry's scanning configuration is the component's scan-on-push rule for ``prefixes``
    (``False`` for one without rules; a refusal for anything else)."""
    scan_type = live.scanning.get("scanType") or "BASIC"
    rules = scanning_rules(live.scanning)
    expected = (("SCAN_ON_PUSH", tuple(sorted(scanning_filters(prefixes)))),)
    if scan_type == "BASIC" and not rules:
        return False
    if scan_type == "BASIC" and tuple((f, tuple(sorted(fs))) for f, fs in rules) == expected:
        return True
    shown = "; ".join(f"{frequency} {', '.join(filters)}" for frequency, filters in rules) or "no rules"
    refusals.append(
        f"registry {live.registry}: its scanning configuration ({scan_type}: {shown}) is not one the component can "
        f"declare (BASIC, one SCAN_ON_PUSH rule for the replicated prefixes: {', '.join(expected[0][1])})")
    return False


def _values(source: Registry, destinations: list[_Destination]) -> tuple[dict[str, Any], tuple[tuple[Registry, ...], ...]]:
    """Config values: destinations grouped into entries, shared prefixes and settings at the top level."""
    groups: dict[tuple[str, tuple[str, ...], str, str], list[_Destination]] = {}
    for destination in destinations:
        groups.setdefault(destination.group(), []).append(destination)
    members = list(groups.values())
    shared_prefixes = len({ds[0].prefixes for ds in members}) == 1
    shared_settings = len({canonical_json(ds[0].settings) for ds in members}) == 1
    entries = []
    for group in members:
        first = group[0]
        entry: dict[str, Any] = {"accountId": first.registry.account_id, "regions": [d.registry.region for d in group]}
        if not shared_prefixes:
            entry["repositoryPrefixes"] = list(first.prefixes)
        if first.statements:
            entry["registryPolicyStatements"] = first.statements
        if first.settings is not None and not shared_settings:
            entry["repositorySettings"] = first.settings
        entries.append(entry)
    values: dict[str, Any] = {"source": {"accountId": source.account_id, "region": source.region},
                              "destinations": entries}
    if shared_prefixes and members[0][0].prefixes:
        values["repositoryPrefixes"] = list(members[0][0].prefixes)
    if shared_settings and members[0][0].settings is not None:
        values["repositorySettings"] = members[0][0].settings
    values["adopt"] = True
    registries = tuple(tuple(d.registry for d in group) for group in members)
    return values, registries
