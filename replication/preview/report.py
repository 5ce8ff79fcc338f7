"""The offline plan's report: what a program declares, grouped by account and region, plus guardrail findings.

:func:`build_report` turns an :class:`~replication.preview.runner.OfflineRun` into one JSON-ready document (the
``--json`` output); :func:`render_text` lays the same content out for a reviewer. Secrets are masked in both.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from replication.ecr_semantics import ASSUME_ROLES, registry_of_host
from replication.limits import PULL_THROUGH_ROOT_PREFIX
from replication.resource_types import AWS_PROVIDER_TYPE, PULL_THROUGH_CACHE_RULE, REPLICATION_CONFIGURATION
from replication.preview.runner import (
    SECRET,
    OfflineRun,
    RegisteredResource,
    is_secret,
    mask,
    provider_account,
    provider_role_arns,
    provider_setting,
)

NOTE = "Offline plan: what the program declares under Pulumi mocks, not a diff against live state."
"""The honest one-line description printed at the top of every plan."""

GLOBAL_REGION = "global"
"""The region shown for resources that have none (IAM)."""

REGIONLESS_TYPES = ("aws:iam/",)
"""Type prefixes of global services, grouped under :data:`GLOBAL_REGION`."""


class Diagnostic(Protocol):
    """A guardrail finding as the policy harness returns it."""

    policy_name: str
    enforcement_level: str
    message: str
    urn: str


def _finding(diagnostic: Diagnostic) -> dict[str, str]:
    """A diagnostic as JSON; the message without the policy description the protocol puts before it."""
    return {
        "policy": diagnostic.policy_name,
        "level": diagnostic.enforcement_level,
        "message": diagnostic.message.split("\n", 1)[-1].strip(),
        "urn": diagnostic.urn,
    }


def _finding_order(finding: Mapping[str, str]) -> tuple[bool, str, str, str]:
    """Mandatory first, then by policy, resource and message: a pack reports in no fixed order (it may iterate
    sets), and the same inputs must print the same bytes."""
    return finding["level"] != "mandatory", finding["policy"], finding["urn"], finding["message"]


def _provider_summary(provider: RegisteredResource) -> dict[str, Any]:
    """What the plan shows of a provider: a setting given as a secret shows as ``[secret]``."""
    inputs = provider.inputs

    def shown(key: str, value: Any) -> Any:
        return SECRET if is_secret(inputs.get(key)) else value

    role_arns = provider_role_arns(inputs)
    role_arn = role_arns[-1] if role_arns else None  # the identity the provider deploys as
    # Only the setting the account was decided by says whether it is a secret.
    decided = provider_account(inputs)
    account = shown(decided.decided_by or ASSUME_ROLES, decided.account_id)
    roles_secret = is_secret(inputs.get(ASSUME_ROLES)) or is_secret(inputs.get("assumeRole"))
    return {
        "name": provider.name,
        "accountId": account,
        "region": shown("region", provider_setting(inputs, "region")),
        "profile": mask(inputs.get("profile")),
        "roleArn": SECRET if role_arn is not None and roles_secret else mask(role_arn),
    }


def _registry_of(resource: RegisteredResource, providers: Mapping[str, dict[str, Any]]) -> tuple[str, str]:
    provider = providers.get(resource.provider_urn, {})
    account = provider.get("accountId") or f"provider {provider.get('name', 'default')}"
    if resource.type.startswith(REGIONLESS_TYPES):
        return account, GLOBAL_REGION
    region = resource.inputs.get("region") or provider.get("region") or "provider region"
    return account, str(region)


def build_report(
    project: str, stack: str, run: OfflineRun, diagnostics: Sequence[Diagnostic] | None
) -> dict[str, Any]:
    """The plan as one JSON-ready document (``diagnostics`` is None when policies were not run)."""
    providers = {p.urn: _provider_summary(p) for p in run.of_type(AWS_PROVIDER_TYPE)}
    registries: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for resource in run.resources:
        if not resource.custom or resource.type.startswith("pulumi:providers:"):
            continue
        entry = {
            "type": resource.type,
            "name": resource.name,
            "urn": resource.urn,
            "provider": providers.get(resource.provider_urn, {}).get("name"),
            "inputs": mask(resource.inputs),
        }
        if resource.import_id:
            entry["importId"] = resource.import_id
        registries.setdefault(_registry_of(resource, providers), []).append(entry)

    configurations = [
        {
            "sourceRegistryId": account,
            "sourceRegion": region,
            "replicationConfiguration": resource["inputs"].get("replicationConfiguration"),
        }
        for (account, region), resources in sorted(registries.items(), key=lambda item: _registry_order(item[0]))
        for resource in sorted(resources, key=lambda r: r["name"])
        if resource["type"] == REPLICATION_CONFIGURATION
    ]
    spokes = _spokes(registries)
    findings = sorted(map(_finding, diagnostics), key=_finding_order) if diagnostics is not None else None
    report: dict[str, Any] = {
        "project": project,
        "stack": stack,
        "note": NOTE,
        "providers": sorted(providers.values(), key=lambda p: str(p["name"])),
        "registries": [
            {"accountId": account, "region": region, "resources": sorted(resources, key=lambda r: (r["type"], r["name"]))}
            for (account, region), resources in sorted(registries.items(), key=lambda item: _registry_order(item[0]))
        ],
        "replicationConfigurations": configurations,
        "pullThroughSpokes": spokes,
        "outputs": mask(run.exports),
        "warnings": list(run.warnings),
        "diagnostics": findings,
        "summary": {
            "resources": sum(len(r) for r in registries.values()),
            "accounts": len({account for account, _ in registries}),
            "registries": len([key for key in registries if key[1] != GLOBAL_REGION]),
            "pullThroughSpokes": len({(s["accountId"], s["region"]) for s in spokes}),
            "mandatory": sum(1 for d in findings or [] if d["level"] == "mandatory"),
            "advisory": sum(1 for d in findings or [] if d["level"] == "advisory"),
        },
    }
    if len(configurations) == 1:
        report.update(configurations[0])
    return report


def _spokes(registries: Mapping[tuple[str, str], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Each registry with pull-through cache rules: its account and region, each upstream it caches from
    (``ACCOUNT/REGION`` when the URL is an ECR registry's, else the URL) with the cache prefixes, in order, and each
    rule as ``DescribePullThroughCacheRules`` would show it (what ``check`` compares live rules with)."""
    spokes = []
    for (account, region), resources in sorted(registries.items(), key=lambda item: _registry_order(item[0])):
        upstreams: dict[str, list[dict[str, Any]]] = {}
        for resource in sorted(resources, key=lambda r: r["name"]):
            if resource["type"] != PULL_THROUGH_CACHE_RULE:
                continue
            url = resource["inputs"].get("upstreamRegistryUrl")
            named = registry_of_host(url) if isinstance(url, str) else None
            upstream = str(named) if named is not None else str(url)
            upstreams.setdefault(upstream, []).append(_spoke_rule(resource["inputs"]))
        spokes += [{"accountId": account, "region": region, "upstream": upstream,
                    "prefixes": sorted(rule["ecrRepositoryPrefix"] for rule in rules),
                    "rules": sorted(rules, key=lambda rule: rule["ecrRepositoryPrefix"])}
                   for upstream, rules in upstreams.items()]
    return spokes


def _spoke_rule(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """A declared pull-through cache rule in ``DescribePullThroughCacheRules``' names: an upstream prefix left out is
    ``ROOT`` (botocore's ``CreatePullThroughCacheRule.upstreamRepositoryPrefix``: "When this field isn't specified,
    Amazon ECR will use the ``ROOT``"); ``customRoleArn`` as declared (under mocks a role the stack creates shows with
    a placeholder suffix), ``None`` for ECR's service-linked role."""
    return {
        "ecrRepositoryPrefix": str(inputs.get("ecrRepositoryPrefix")),
        "upstreamRegistryUrl": inputs.get("upstreamRegistryUrl"),
        "upstreamRepositoryPrefix": inputs.get("upstreamRepositoryPrefix") or PULL_THROUGH_ROOT_PREFIX,
        "customRoleArn": inputs.get("customRoleArn"),
    }


def _registry_order(key: tuple[str, str]) -> tuple[str, bool, str]:
    account, region = key
    return account, region == GLOBAL_REGION, region


class _Style:
    """ANSI styling, or none when the output is not a terminal."""

    def __init__(self, color: bool) -> None:
        self._color = color

    def _wrap(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self._color else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def dim(self, text: str) -> str:
        return self._wrap("2", text)

    def green(self, text: str) -> str:
        return self._wrap("32", text)

    def yellow(self, text: str) -> str:
        return self._wrap("33", text)

    def red(self, text: str) -> str:
        return self._wrap("31", text)


WIDTH = 110
"""Text lines are wrapped at this width where they can be (a long ARN or name is never broken)."""

Row = tuple[str, list[str]]
"""A labelled value of a resource: the label and the value's lines."""


def _parsed(text: Any) -> Any:
    try:
        return json.loads(text) if isinstance(text, str) else text
    except json.JSONDecodeError:
        return text


def _document(text: Any) -> list[str]:
    """A policy document, indented JSON in the document's own key order; a secret shows as ``[secret]``."""
    document = _parsed(text)
    if isinstance(document, (dict, list)):
        return json.dumps(document, indent=2).splitlines()
    return [str(document)]


def _listed(items: Any) -> str:
    return ", ".join(str(item) for item in items) if isinstance(items, (list, tuple)) else str(items)


def _filters(filters: Any) -> str:
    """``prod/, shared/ (PREFIX_MATCH)``: filter values, then their types."""
    if not isinstance(filters, list):
        return str(filters)
    types = sorted({str(f.get("filterType", "")) for f in filters} - {""})
    return _listed([f.get("filter", "") for f in filters]) + (f" ({', '.join(types)})" if types else "")


def _lifecycle_rule(rule: Any) -> str:
    """One lifecycle rule as a sentence, from its fields (see "Lifecycle policy properties in Amazon ECR" in
    the ECR user guide): its priority, what happens to which images, how they are counted."""
    if not isinstance(rule, Mapping):
        return json.dumps(rule)
    selection = rule.get("selection") or {}
    status = selection.get("tagStatus", "any")
    tags = selection.get("tagPatternList") or selection.get("tagPrefixList")
    which = {"any": "any image", "untagged": "untagged images"}.get(status, f"{status} images")
    if tags:
        kind = "matching" if selection.get("tagPatternList") else "with tag prefix"
        which += f" {kind} {_listed(tags)}"
    count, number, unit = selection.get("countType"), selection.get("countNumber"), selection.get("countUnit", "")
    if count == "imageCountMoreThan":
        counted = f"beyond the newest {number}"
    elif count == "sinceImagePushed":
        counted = f"pushed more than {number} {unit} ago"
    else:
        counted = f"{count} more than {number} {unit}".rstrip()
    action = rule.get("action") or {}
    what = " ".join(str(action[k]) for k in ("type", "targetStorageClass") if k in action) or "?"
    return f"{rule.get('rulePriority', '?')}. {what} {which} {counted}"


def _lifecycle(text: Any) -> list[str]:
    """Each rule of a lifecycle policy on its own line, its description (if any) quoted under it."""
    policy = _parsed(text)
    if not isinstance(policy, Mapping):
        return [str(policy)]
    lines = []
    for rule in policy.get("rules", []):
        lines.append(_lifecycle_rule(rule))
        if isinstance(rule, Mapping) and rule.get("description"):
            lines.append(f'   "{rule["description"]}"')
    return lines


def _encryption(configurations: Any) -> str:
    """``KMS, key <arn>``: the type and, for KMS, the key of the resource's own region."""
    if not configurations:
        return "AES256 (default)"
    if not isinstance(configurations, list):
        return str(configurations)
    return "; ".join(
        str(c.get("encryptionType", "AES256")) + (f", key {c['kmsKey']}" if c.get("kmsKey") else "") for c in configurations
    )


def _tags(tags: Any) -> str:
    return _listed([f"{k}={v}" for k, v in tags.items()]) if isinstance(tags, Mapping) else str(tags)


def _repository_rows(inputs: Mapping[str, Any]) -> list[Row]:
    """What a template or a pre-created repository sets on repositories."""
    rows: list[Row] = [("tag mutability", [str(inputs.get("imageTagMutability", "MUTABLE"))])]
    exclusions = inputs.get("imageTagMutabilityExclusionFilters")
    if exclusions:
        rows.append(("exclusion filters", [_filters(exclusions)]))
    rows.append(("encryption", [_encryption(inputs.get("encryptionConfigurations"))]))
    if inputs.get("lifecyclePolicy"):
        rows.append(("lifecycle rules", _lifecycle(inputs["lifecyclePolicy"])))
    if inputs.get("repositoryPolicy"):
        rows.append(("repository policy", _document(inputs["repositoryPolicy"])))
    return rows


def _details(resource: Mapping[str, Any]) -> list[Row]:
    """The labelled values a reviewer approves under one resource; inputs of a shape the layout doesn't know
    (a secret or unknown value where a list or object was expected) as indented JSON instead."""
    try:
        return _laid_out(resource)
    except (AttributeError, TypeError, KeyError):
        return [("inputs", json.dumps(resource["inputs"], indent=2, sort_keys=True).splitlines())]


def _laid_out(resource: Mapping[str, Any]) -> list[Row]:
    inputs = resource["inputs"]
    kind = resource["type"].rsplit(":", 1)[-1]
    if kind == "ReplicationConfiguration":
        configuration = inputs.get("replicationConfiguration") or {}
        if not isinstance(configuration, Mapping):
            return [("rules", [str(configuration)])]
        rows: list[Row] = []
        for number, rule in enumerate(configuration.get("rules", []), start=1):
            filters = rule.get("repositoryFilters") or []
            rows.append((f"rule {number} filters", [_filters(filters) if filters else "none: every repository"]))
            destinations = [f"{d.get('registryId')}/{d.get('region')}" for d in rule.get("destinations", [])]
            rows.append((f"rule {number} destinations", destinations))
        return rows
    if kind in ("RegistryPolicy", "RepositoryPolicy", "RolePolicy"):
        target = [("repository", [str(inputs["repository"])])] if inputs.get("repository") else []
        return [*target, ("policy", _document(inputs.get("policy")))]
    if kind == "LifecyclePolicy":
        return [("repository", [str(inputs.get("repository"))]), ("lifecycle rules", _lifecycle(inputs.get("policy")))]
    if kind == "RepositoryCreationTemplate":
        rows = [("prefix", [str(inputs.get("prefix"))]), ("applied for", [_listed(inputs.get("appliedFors", []))])]
        rows += _repository_rows(inputs)
        if inputs.get("resourceTags"):
            rows.append(("resource tags", [_tags(inputs["resourceTags"])]))
        if inputs.get("customRoleArn"):
            rows.append(("role", [str(inputs["customRoleArn"])]))
        return rows
    if kind == "RegistryScanningConfiguration":
        rules = [f"{r.get('scanFrequency')}: {_filters(r.get('repositoryFilters', []))}" for r in inputs.get("rules", [])]
        return [("scan type", [str(inputs.get("scanType", "BASIC"))]), ("rules", rules)]
    if kind == "Repository":
        scan = (inputs.get("imageScanningConfiguration") or {}).get("scanOnPush", False)
        rows = [("name", [str(inputs.get("name"))]), *_repository_rows(inputs), ("scan on push", [json.dumps(scan)])]
        if inputs.get("tags"):
            rows.append(("tags", [_tags(inputs["tags"])]))
        return rows
    if kind == "Role":
        return [("trust policy", _document(inputs.get("assumeRolePolicy")))]
    if kind == "PullThroughCacheRule":
        rule = _spoke_rule(inputs)
        role = rule["customRoleArn"] or "ECR's service-linked role (same account)"
        return [("cache prefix", [rule["ecrRepositoryPrefix"]]),
                ("upstream", [f"{rule['upstreamRegistryUrl']}, prefix {rule['upstreamRepositoryPrefix']}"]),
                ("role", [str(role)])]
    return []


def _wrapped(text: str, width: int) -> list[str]:
    """``text`` wrapped at ``width`` without breaking words (ARNs, names), or as it is when it's short."""
    if len(text) <= width:
        return [text]
    return textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False) or [text]


def _labelled(rows: Sequence[Row], indent: str) -> list[str]:
    """Rows as an aligned two-column block: labels, then values whose further lines align under the first.
    A one-line value is wrapped; the lines of a document or a list are kept as they are."""
    if not rows:
        return []
    column = indent + " " * (max(len(label) for label, _ in rows) + 2)
    lines = []
    for label, values in rows:
        shown = _wrapped(values[0], WIDTH - len(column)) if len(values) == 1 else values
        for number, value in enumerate(shown or [""]):
            lines.append(((indent + label).ljust(len(column)) if number == 0 else column) + value)
    return [line.rstrip() for line in lines]


def _short_type(token: str) -> str:
    """``aws:ecr:RegistryPolicy`` for ``aws:ecr/registryPolicy:RegistryPolicy``, as ``pulumi preview`` shows it."""
    package, module, kind = (token.split(":") + ["", ""])[:3]
    return f"{package}:{module.split('/')[0]}:{kind}" if kind else token


def _table(rows: Sequence[Sequence[str]], indent: str) -> list[str]:
    """Rows as columns aligned on the widest cell of each column (the last column left ragged)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [indent + "  ".join([*(c.ljust(w) for c, w in zip(row, widths)), row[-1]]).rstrip() for row in rows]


def render_text(report: Mapping[str, Any], color: bool = False) -> str:
    """The report laid out for a reviewer, grouped by account and region: every document indented, lifecycle
    rules one per line, the KMS key of each region, columns aligned; lines wrapped at :data:`WIDTH` where
    a value can be broken between words."""
    style = _Style(color)
    lines = [style.bold(f"Stack {report['stack']} of project {report['project']}"), style.dim(report["note"]), ""]
    lines.append(style.bold("Providers"))
    rows = [["NAME", "ACCOUNT", "REGION", "CREDENTIALS"]]
    for provider in report["providers"]:
        how = [f"profile {provider['profile']}"] if provider["profile"] else []
        how += [f"assumes {provider['roleArn']}"] if provider["roleArn"] else []
        rows.append(
            [provider["name"], str(provider["accountId"] or "(unknown)"), str(provider["region"]), ", ".join(how) or "ambient"]
        )
    lines += _table(rows, "  ")
    for registry in report["registries"]:
        lines += ["", style.bold(f"{registry['accountId']}/{registry['region']}")]
        resources = registry["resources"]
        type_width = max(len(_short_type(r["type"])) for r in resources)
        for resource in resources:
            # As `pulumi preview` marks them: `+` create, `=` import (adopt the live resource with this id).
            adopted = resource.get("importId")
            marker = style.yellow("=") if adopted else style.green("+")
            lines.append(f"  {marker} {_short_type(resource['type']).ljust(type_width)}  {resource['name']}")
            rows = [("import id", [adopted])] if adopted else []
            lines += _labelled(rows + _details(resource), "      ")
    if report["pullThroughSpokes"]:
        lines += ["", style.bold("Pull-through spokes (cached from the upstream on first pull)")]
        rows = [["SPOKE", "UPSTREAM", "PREFIXES"]]
        rows += [[f"{s['accountId']}/{s['region']}", s["upstream"], _listed(s["prefixes"])]
                 for s in report["pullThroughSpokes"]]
        lines += _table(rows, "  ")
    if report["warnings"]:
        lines += ["", style.bold("Warnings")]
        for warning in report["warnings"]:
            wrapped = _wrapped(warning, WIDTH - 4)
            lines += [f"  {style.yellow('!')} {wrapped[0]}", *(f"    {line}" for line in wrapped[1:])]
    diagnostics = report["diagnostics"]
    lines.append("")
    if diagnostics is None:
        lines.append(style.yellow("Guardrails: not run (--no-policies)"))
    else:
        lines.append(style.bold("Guardrails (ecr-replication-guardrails)"))
        for diagnostic in diagnostics:
            paint = style.red if diagnostic["level"] == "mandatory" else style.yellow
            where = f"  {diagnostic['urn'].rsplit('::', 1)[-1]}" if diagnostic["urn"] else ""
            lines.append(f"  {paint(diagnostic['level'].ljust(9))} {diagnostic['policy']}{where}")
            lines += [f"{' ' * 14}{part}" for part in _wrapped(diagnostic["message"], WIDTH - 14)]
        if not diagnostics:
            lines.append(f"  {style.green('all policies pass')}")
    summary = report["summary"]
    spokes = f" ({summary['pullThroughSpokes']} pull-through spokes)" if summary["pullThroughSpokes"] else ""
    lines += [
        "",
        f"{summary['resources']} resources in {summary['accounts']} account(s), {summary['registries']} registries"
        f"{spokes}; {summary['mandatory']} mandatory violation(s), {summary['advisory']} advisory finding(s).",
    ]
    return "\n".join(lines) + "\n"
