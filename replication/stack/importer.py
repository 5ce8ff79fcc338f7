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
  (``ENHANCED``, other rules) is refused;
* pull-through spokes (the registries ``import --spoke`` names): the rules whose upstream is a private ECR registry
  of this setup (its host exactly, the source or a replication destination), when they are exactly the component's
  rules for that upstream (:func:`replication.pull_through.cache_prefixes`: one rule per replicated prefix, the same
  prefix on both sides, one upstream per spoke); a rule with another upstream is not this stack's and is left alone
  (a note); an ECR upstream outside this setup, another layout, a rule missing, or a role on a rule in its
  upstream's account (the component declares none there, and an update can't take a role off) is refused. The
  spoke's settings come from its creation templates applied to ``PULL_THROUGH_CACHE`` and its scanning
  configuration, as a destination's from its replication templates. The role a cross-account rule names is not
  adopted: the component names the role it creates (the adoption review says so). The upstream's grant: a
  destination's joins its policy (the component's own grant statement is not copied as an extra statement); the
  source's policy, or a same-account destination's, must exist (adopting imports it). The source's other
  statements become ``sourceRegistryPolicyStatements`` when the component accepts them as extra statements (``[]``
  when there are none: the stack knows nothing else is there); otherwise, and for a same-account destination holding
  more than the component's grant, the stack leaves the policy to its owner (``manageSourceRegistryPolicy``/
  ``manageRegistryPolicy`` false, with a note).

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
                                       registry_of_host, replicated_prefixes, rule_from_api)
from replication.errors import ReplicationConfigError
from replication.iam_policy import PolicyDocumentError, parse_policy, policy_statements
from replication.limits import APPLIED_FOR_PULL_THROUGH_CACHE, APPLIED_FOR_REPLICATION, DEFAULT_ENCRYPTION_TYPE
from replication.model import POLICY_SID, check_policy_statements
from replication.pull_through import GRANT_SID, cache_prefixes, upstream_prefix
from replication.repository_settings import check_repository_policy, scanning_filters, template_prefixes
from replication.template_settings import TemplateSettings

@dataclass(frozen=True)
class LiveRegistry:
    """A destination or spoke registry as read with its own account's credentials."""

    registry: Registry
    policy: str | None
    """Its registry permissions policy text; ``None`` when it has none (or, same-account, when none was read: a
    same-account destination's is read only when a spoke in another account caches from it)."""
    templates: tuple[Mapping[str, Any], ...]
    """Every repository creation template (``DescribeRepositoryCreationTemplates``), whatever it applies to."""
    scanning: Mapping[str, Any]
    """Its ``scanningConfiguration`` (``GetRegistryScanningConfiguration``)."""
    pull_through_rules: tuple[Mapping[str, Any], ...] = ()
    """A spoke's pull-through cache rules (``DescribePullThroughCacheRules``), whatever their upstream."""

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
    spokes: tuple[LiveRegistry, ...] = ()
    """The spoke registries ``import --spoke`` named, in that order."""
    source_policy: str | None = None
    """The source registry's policy, read when a spoke in another account caches from the source (``None``: it has
    none, or it wasn't read)."""
    source_policy_read: bool = False

    def registry(self, registry: Registry) -> LiveRegistry | None:
        """What was read of ``registry``, if it is a destination or a spoke."""
        return next((r for r in (*self.registries, *self.spokes) if r.registry == registry), None)

    def policy_of(self, registry: Registry) -> str | None:
        """The live registry policy of the source or a destination (``None``: none, or not read)."""
        if registry == self.source:
            return self.source_policy
        found = self.registry(registry)
        return found.policy if found is not None else None


def ecr_upstream(rule: Mapping[str, Any]) -> Registry | None:
    """The private ECR registry a live pull-through cache rule caches from: its ``upstreamRegistryUrl`` is that
    registry's host exactly (``<account>.dkr.ecr.<region>.<dns suffix>``, as botocore's
    ``CreatePullThroughCacheRule.upstreamRegistryUrl`` gives it for ``ecr``); ``None`` for any other upstream."""
    url = str(rule.get("upstreamRegistryUrl") or "")
    registry = registry_of_host(url)
    return registry if registry is not None and registry.host == url else None


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
    spoke_entries: tuple[tuple[Registry, ...], ...] = ()
    """The registries of each ``pullThroughDestinations`` entry, in order."""


@dataclass
class _Destination:
    registry: Registry
    prefixes: tuple[str, ...]
    """Sorted; empty for every repository."""
    settings: dict[str, Any] | None
    statements: list[Any]
    manage_policy: bool = True

    def group(self) -> tuple[str, tuple[str, ...], str, str, bool]:
        """What registries of one entry must share."""
        return (self.registry.account_id, self.prefixes, canonical_json(self.settings), canonical_json(self.statements),
                self.manage_policy)


@dataclass(frozen=True)
class _Spoke:
    registry: Registry
    upstream: Registry
    settings: dict[str, Any] | None

    def group(self) -> tuple[str, Registry, str]:
        """What registries of one entry must share."""
        return (self.registry.account_id, self.upstream, canonical_json(self.settings))


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
    spokes = _spokes(live, destinations, refusals, notes)
    manage_source, source_statements = _upstream_policies(live, destinations, spokes, refusals, notes)
    if refusals:
        return ImportedConfig({}, (), tuple(refusals), tuple(notes))
    values, entries, spoke_entries = _values(live.source, destinations, spokes)
    if not manage_source:
        values["manageSourceRegistryPolicy"] = False
    elif source_statements is not None:
        values["sourceRegistryPolicyStatements"] = source_statements
    return ImportedConfig(values, entries, (), tuple(notes), spoke_entries)


def _top_prefixes(destinations: Sequence[_Destination]) -> tuple[str, ...]:
    """The top-level ``repositoryPrefixes`` the config gets: those every destination shares (none otherwise)."""
    return destinations[0].prefixes if len({d.prefixes for d in destinations}) == 1 else ()


def _spokes(live: LiveSetup, destinations: Sequence[_Destination], refusals: list[str],
            notes: list[str]) -> list[_Spoke]:
    """Each spoke registry the component can declare as live state has it (see the module docs)."""
    by_registry = {d.registry: d for d in destinations}
    spokes = []
    for found in live.spokes:
        registry, where = found.registry, f"registry {found.registry}"
        if registry == live.source or registry in by_registry:
            what = "the source" if registry == live.source else "a replication destination"
            refusals.append(f"{where} (--spoke) is {what} of this setup: a registry is either a replication "
                            "destination, a pull-through spoke, or the source")
            continue
        ours: dict[Registry, list[Mapping[str, Any]]] = {}
        for rule in found.pull_through_rules:
            upstream = ecr_upstream(rule)
            if upstream is None:
                notes.append(f"{where}: pull-through cache rule {rule.get('ecrRepositoryPrefix')} caches from "
                             f"{rule.get('upstreamRegistryUrl')}, not from an ECR registry: not this stack's, left as "
                             "it is")
            else:
                ours.setdefault(upstream, []).append(rule)
        foreign = {u: rules for u, rules in ours.items() if u != live.source and u not in by_registry}
        refusals += [f"{where}: pull-through cache rule(s) {_rule_prefixes(rules)} cache from {upstream}, which is "
                     f"neither the source nor a replication destination of {live.source}: a spoke of this stack caches "
                     "only from a registry its replication fills" for upstream, rules in foreign.items()]
        ours = {u: rules for u, rules in ours.items() if u not in foreign}
        if not ours:
            if not foreign:
                refusals.append(f"{where} has no pull-through cache rule that caches from {live.source} or one of its "
                                f"replication destinations: there is nothing to adopt (leave --spoke {registry} out)")
            continue
        if len(ours) > 1:
            listed = "; ".join(f"{u}: {_rule_prefixes(rules)}" for u, rules in ours.items())
            refusals.append(f"{where} caches from several registries of this replication ({listed}): a spoke caches "
                            "from one upstream")
            continue
        [(upstream, rules)] = ours.items()
        if upstream == live.source:
            prefixes, field = _top_prefixes(destinations), "repositoryPrefixes"
        else:
            prefixes, field = by_registry[upstream].prefixes, f"the prefixes replicated to {upstream}"
        spoke = _spoke(found, upstream, rules, prefixes, field, refusals, notes)
        if spoke is not None:
            spokes.append(spoke)
    return spokes


def _rule_prefixes(rules: Sequence[Mapping[str, Any]]) -> str:
    return ", ".join(str(rule.get("ecrRepositoryPrefix")) for rule in rules)


def _spoke(found: LiveRegistry, upstream: Registry, rules: Sequence[Mapping[str, Any]], prefixes: tuple[str, ...],
           field: str, refusals: list[str], notes: list[str]) -> _Spoke | None:
    """The spoke ``found`` caching ``prefixes`` from ``upstream``, when its ``rules`` are the component's."""
    registry, where = found.registry, f"registry {found.registry}"
    try:
        expected = cache_prefixes(field, prefixes, f"the spoke {registry}")
    except ReplicationConfigError as error:
        refusals.append(f"{where} caches from {upstream}, and {error.field} {error.value!r}: {error.problem}")
        return None
    problems = []
    for rule in rules:
        prefix = str(rule.get("ecrRepositoryPrefix"))
        if prefix not in expected or upstream_prefix(rule) != prefix:
            problems.append(f"{where}: pull-through cache rule {prefix} (caching {upstream}, upstream prefix "
                            f"{upstream_prefix(rule)}) is not one the component lays out for {upstream}'s prefixes "
                            f"(it declares {', '.join(expected)}: one rule per replicated prefix, the same prefix on "
                            "both sides)")
        elif rule.get("customRoleArn") and registry.account_id == upstream.account_id:
            problems.append(f"{where}: pull-through cache rule {prefix} names role {rule['customRoleArn']}, and the "
                            "component declares a rule in its upstream's account without one (ECR's service-linked "
                            "role); the first `pulumi up` can't take the role off (UpdatePullThroughCacheRule takes a "
                            "role or a secret: pulumi/pulumi-aws#5714)")
    missing = [prefix for prefix in expected if prefix not in {str(r.get("ecrRepositoryPrefix")) for r in rules}]
    if missing:
        problems.append(f"{where} caches {_rule_prefixes(rules)} from {upstream} but not {', '.join(missing)}: the "
                        "component caches every prefix its upstream receives; create the missing rule(s), then "
                        "import again")
    refusals += problems
    settings = _settings(found, prefixes, refusals, notes, APPLIED_FOR_PULL_THROUGH_CACHE, expected)
    return None if problems else _Spoke(registry, upstream, settings)


def _upstream_policies(live: LiveSetup, destinations: Sequence[_Destination], spokes: Sequence[_Spoke],
                       refusals: list[str], notes: list[str]) -> tuple[bool, list[Any] | None]:
    """Check the policies of the source and the same-account destinations that spokes in other accounts cache
    from, where the component declares the grant; mark the destinations whose policy the stack leaves alone.

    Returns whether the stack manages the source registry's policy and, where it does and spokes of other accounts
    cache from it, the live statements besides the spokes' grant that the policy keeps
    (``sourceRegistryPolicyStatements``; ``None`` when no such spoke caches from the source)."""
    manage_source, source_statements = True, None
    by_registry = {d.registry: d for d in destinations}
    for upstream in dict.fromkeys(s.upstream for s in spokes if s.registry.account_id != s.upstream.account_id):
        if upstream.account_id != live.source.account_id:
            continue  # a cross-account destination: its policy is read and kept, the grant joins it
        spoke_accounts = sorted({s.registry.account_id for s in spokes if s.upstream == upstream})
        where = f"registry {upstream}"
        policy = live.policy_of(upstream)
        if policy is None:
            refusals.append(f"{where} has no registry policy, so the spokes of account(s) {', '.join(spoke_accounts)} "
                            "can't cache from it today; adopting imports the policy the component declares there, "
                            "which must exist: grant them there (`ecr-replication check` prints the statement) and "
                            "import again")
            continue
        try:
            statements = policy_statements(policy)
            parse_policy(policy)
        except PolicyDocumentError as error:
            refusals.append(f"{where}: its registry policy can't be evaluated: {error}")
            continue
        others = [(str(s.get("Sid") or f"#{n}"), s) for n, s in enumerate(statements, 1) if s.get("Sid") != GRANT_SID]
        if upstream == live.source and _declarable(others):
            source_statements = [statement for _, statement in others]
            continue
        if not others:
            continue
        key = "manageSourceRegistryPolicy" if upstream == live.source else "manageRegistryPolicy"
        notes.append(f"{where}: its registry policy has statement(s) {', '.join(label for label, _ in others)} the "
                     f"component doesn't declare there, so the stack leaves the policy as it is ({key}: false); it "
                     f"must keep granting account(s) {', '.join(spoke_accounts)} (`ecr-replication check` says whether "
                     "it does)")
        if upstream == live.source:
            manage_source = False
        else:
            by_registry[upstream].manage_policy = False
    return manage_source, source_statements


def _declarable(statements: Sequence[tuple[str, Any]]) -> bool:
    """Whether the component accepts each statement as an extra statement of a registry policy it declares
    (``model.check_policy_statements``, the rule for destinations' ``registryPolicyStatements`` too)."""
    try:
        check_policy_statements("statement", [statement for _, statement in statements])
    except ReplicationConfigError:
        return False
    return True


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
    own = (POLICY_SID, GRANT_SID)  # the component writes these itself; the adoption review compares them
    kept = [s for s in statements if s.get("Sid") not in own]
    for position, statement in enumerate(statements, start=1):
        if statement.get("Sid") in own:
            continue
        try:
            check_policy_statements("statement", [statement])
        except ReplicationConfigError as error:
            label = statement.get("Sid") or f"#{position}"
            refusals.append(f"registry {registry}: registry policy statement {label}: {error.problem}")
    return kept


def _settings(live: LiveRegistry, prefixes: tuple[str, ...], refusals: list[str], notes: list[str],
              applied_for: str = APPLIED_FOR_REPLICATION,
              needed: tuple[str, ...] | None = None) -> dict[str, Any] | None:
    """The ``repositorySettings`` that declare a registry's templates applied for ``applied_for`` (for the
    template prefixes ``needed``: by default the replicated ``prefixes``' templates) and scan-on-push, if any."""
    settings: dict[str, Any] = {}
    templates = _template_settings(live, prefixes, refusals, notes, applied_for,
                                   template_prefixes(prefixes) if needed is None else needed)
    if templates is not None:
        settings.update(templates.repository_settings())
    if _scan_on_push(live, prefixes, refusals):
        settings["scanOnPush"] = True
    return settings or None


def _template_settings(live: LiveRegistry, prefixes: tuple[str, ...], refusals: list[str], notes: list[str],
                       applied_for: str, needed_prefixes: tuple[str, ...]) -> TemplateSettings | None:
    """The one set of settings a registry's templates applied for ``applied_for`` share, when they are exactly the
    templates the component declares there (``needed_prefixes``, for the replicated ``prefixes``)."""
    registry = live.registry
    templates = {str(t["prefix"]): t for t in live.templates if applied_for in (t.get("appliedFor") or ())}
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
            (found.applied_for != (applied_for,),
             f"also applies to {', '.join(a for a in found.applied_for if a != applied_for)}, which the "
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
    kind = "replication" if applied_for == APPLIED_FOR_REPLICATION else "pull-through cache"
    if len(distinct) > 1:
        refusals.append(
            f"registry {registry}: its {kind} templates set different repository settings "
            f"({'; '.join(f'{p}: {_describe(s)}' for p, s in sorted(settings.items()))}); the component applies one "
            "set of settings to every replicated prefix of a registry")
        return None
    needed = set(needed_prefixes)
    missing = sorted(needed - set(templates))
    if missing:
        refusals.append(
            f"registry {registry}: the replicated prefixes ({_prefix_list(prefixes)}) need creation templates "
            f"{', '.join(missing)}{'' if applied_for == APPLIED_FOR_REPLICATION else f' ({applied_for})'} as well, "
            f"which don't exist: the component's settings would reach repositories that live {kind} creates with the "
            "defaults")
        return None
    notes += [f"registry {registry}: creation template {p} ({applied_for}) is for no replicated prefix: the stack "
              "leaves it as it is" for p in sorted(set(templates) - needed)]
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


def _values(source: Registry, destinations: list[_Destination], spokes: Sequence[_Spoke]
            ) -> tuple[dict[str, Any], tuple[tuple[Registry, ...], ...], tuple[tuple[Registry, ...], ...]]:
    """Config values: destinations and spokes grouped into entries, shared prefixes and settings at the top level
    (settings only when the spokes share them too: a spoke takes the top-level settings)."""
    groups: dict[tuple[str, tuple[str, ...], str, str, bool], list[_Destination]] = {}
    for destination in destinations:
        groups.setdefault(destination.group(), []).append(destination)
    members = list(groups.values())
    top_prefixes = _top_prefixes(destinations)
    shared_prefixes = len({ds[0].prefixes for ds in members}) == 1
    all_settings = {canonical_json(ds[0].settings) for ds in members} | {canonical_json(s.settings) for s in spokes}
    shared_settings = len(all_settings) == 1
    entries = []
    for group in members:
        first = group[0]
        entry: dict[str, Any] = {"accountId": first.registry.account_id, "regions": [d.registry.region for d in group]}
        if not shared_prefixes:
            entry["repositoryPrefixes"] = list(first.prefixes)
        if not first.manage_policy:
            entry["manageRegistryPolicy"] = False
        if first.statements:
            entry["registryPolicyStatements"] = first.statements
        if first.settings is not None and not shared_settings:
            entry["repositorySettings"] = first.settings
        entries.append(entry)
    values: dict[str, Any] = {"source": {"accountId": source.account_id, "region": source.region},
                              "destinations": entries}
    spoke_groups: dict[tuple[str, Registry, str], list[_Spoke]] = {}
    for spoke in spokes:
        spoke_groups.setdefault(spoke.group(), []).append(spoke)
    if spoke_groups:
        values["pullThroughDestinations"] = [
            {"accountId": group[0].registry.account_id, "regions": [s.registry.region for s in group],
             "upstream": str(group[0].upstream),
             **({"repositorySettings": group[0].settings} if group[0].settings is not None and not shared_settings
                else {})}
            for group in spoke_groups.values()]
    if top_prefixes:
        values["repositoryPrefixes"] = list(top_prefixes)
    if shared_settings and members[0][0].settings is not None:
        values["repositorySettings"] = members[0][0].settings
    values["adopt"] = True
    registries = tuple(tuple(d.registry for d in group) for group in members)
    spoke_registries = tuple(tuple(s.registry for s in group) for group in spoke_groups.values())
    return values, registries, spoke_registries
