"""The offline plan's report: what a program declares, grouped by account and region, plus guardrail findings.

:func:`build_report` turns an :class:`~replication.preview.runner.OfflineRun` into one JSON-ready document (the
``--json`` output); :func:`render_text` lays the same content out for a reviewer. Secrets are masked in both.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from replication.ecr_semantics import canonical_json
from replication.preview.runner import (
    AWS_PROVIDER_TYPE,
    SECRET,
    OfflineRun,
    RegisteredResource,
    is_secret,
    mask,
    provider_account_id,
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


def _provider_summary(provider: RegisteredResource) -> dict[str, Any]:
    """What the plan shows of a provider: a setting given as a secret shows as ``[secret]``."""
    inputs = provider.inputs

    def shown(key: str, value: Any) -> Any:
        return SECRET if is_secret(inputs.get(key)) else value

    roles = provider_setting(inputs, "assumeRoles") or []
    role_arn = next((r.get("roleArn") or r.get("role_arn") for r in roles), None)
    return {
        "name": provider.name,
        "accountId": shown("allowedAccountIds", shown("assumeRoles", provider_account_id(inputs))),
        "region": shown("region", provider_setting(inputs, "region")),
        "profile": mask(inputs.get("profile")),
        "roleArn": SECRET if role_arn is not None and is_secret(inputs.get("assumeRoles")) else mask(role_arn),
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
        registries.setdefault(_registry_of(resource, providers), []).append(entry)

    configurations = [
        {
            "sourceRegistryId": account,
            "sourceRegion": region,
            "replicationConfiguration": resource["inputs"].get("replicationConfiguration"),
        }
        for (account, region), resources in registries.items()
        for resource in resources
        if resource["type"] == "aws:ecr/replicationConfiguration:ReplicationConfiguration"
    ]
    findings = [_finding(d) for d in diagnostics] if diagnostics is not None else None
    report: dict[str, Any] = {
        "project": project,
        "stack": stack,
        "note": NOTE,
        "providers": list(providers.values()),
        "registries": [
            {"accountId": account, "region": region, "resources": sorted(resources, key=lambda r: (r["type"], r["name"]))}
            for (account, region), resources in sorted(registries.items(), key=lambda item: _registry_order(item[0]))
        ],
        "replicationConfigurations": configurations,
        "outputs": mask(run.exports),
        "diagnostics": findings,
        "summary": {
            "resources": sum(len(r) for r in registries.values()),
            "accounts": len({account for account, _ in registries}),
            "registries": len([key for key in registries if key[1] != GLOBAL_REGION]),
            "mandatory": sum(1 for d in findings or [] if d["level"] == "mandatory"),
            "advisory": sum(1 for d in findings or [] if d["level"] == "advisory"),
        },
    }
    if len(configurations) == 1:
        report.update(configurations[0])
    return report


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


def _parsed(text: Any) -> Any:
    try:
        return json.loads(text) if isinstance(text, str) else text
    except json.JSONDecodeError:
        return text


def _details(resource: Mapping[str, Any]) -> list[str]:
    """The lines a reviewer needs under one resource."""
    inputs = resource["inputs"]
    kind = resource["type"].rsplit(":", 1)[-1]
    if kind == "ReplicationConfiguration":
        rules = (inputs.get("replicationConfiguration") or {}).get("rules", [])
        return ["rules (AWS JSON, one per line):"] + [f"  {canonical_json(rule)}" for rule in rules]
    if kind in ("RegistryPolicy", "RepositoryPolicy", "RolePolicy"):
        return [f"policy: {canonical_json(_parsed(inputs.get('policy')))}"]
    if kind == "RepositoryCreationTemplate":
        settings = [
            f"prefix {inputs.get('prefix')}",
            f"for {','.join(inputs.get('appliedFors', []))}",
            f"tags {inputs.get('imageTagMutability', 'MUTABLE')}",
            "encryption " + ",".join(e.get("encryptionType", "AES256") for e in inputs.get("encryptionConfigurations", []))
            if inputs.get("encryptionConfigurations")
            else "encryption AES256",
        ]
        lifecycle = _parsed(inputs.get("lifecyclePolicy"))
        if isinstance(lifecycle, dict):
            settings.append(f"lifecycle {len(lifecycle.get('rules', []))} rule(s)")
        if inputs.get("repositoryPolicy"):
            settings.append("repository policy")
        if inputs.get("resourceTags"):
            settings.append("resource tags " + ",".join(f"{k}={v}" for k, v in inputs["resourceTags"].items()))
        if inputs.get("customRoleArn"):
            settings.append(f"role {inputs['customRoleArn']}")
        return ["; ".join(settings)]
    if kind == "RegistryScanningConfiguration":
        return [
            f"{rule.get('scanFrequency')}: " + ", ".join(f.get("filter", "") for f in rule.get("repositoryFilters", []))
            for rule in inputs.get("rules", [])
        ]
    if kind == "Repository":
        scan = (inputs.get("imageScanningConfiguration") or {}).get("scanOnPush", False)
        return [f"repository {inputs.get('name')}; tags {inputs.get('imageTagMutability', 'MUTABLE')}; scan on push {scan}"]
    if kind == "Role":
        return [f"trust: {canonical_json(_parsed(inputs.get('assumeRolePolicy')))}"]
    return []


def render_text(report: Mapping[str, Any], color: bool = False) -> str:
    """The report laid out for a reviewer, grouped by account and region."""
    style = _Style(color)
    lines = [style.bold(f"Stack {report['stack']} of project {report['project']}"), style.dim(report["note"]), ""]
    lines.append(style.bold("Providers"))
    for provider in report["providers"]:
        how = f"assumes {provider['roleArn']}" if provider["roleArn"] else f"profile {provider['profile'] or '(ambient)'}"
        lines.append(
            f"  {provider['name']:<28} account {provider['accountId'] or '(unknown)'}  {provider['region']}  {how}"
        )
    for registry in report["registries"]:
        lines += ["", style.bold(f"{registry['accountId']} / {registry['region']}")]
        for resource in registry["resources"]:
            lines.append(f"  {style.green('+')} {resource['type']}  {resource['name']}")
            lines += [f"    {line}" for line in _details(resource)]
    diagnostics = report["diagnostics"]
    lines.append("")
    if diagnostics is None:
        lines.append(style.yellow("Guardrails: not run (--no-policies)"))
    else:
        lines.append(style.bold("Guardrails (ecr-replication-guardrails)"))
        for diagnostic in sorted(diagnostics, key=lambda d: (d["level"] != "mandatory", d["policy"])):
            paint = style.red if diagnostic["level"] == "mandatory" else style.yellow
            where = f" [{diagnostic['urn'].rsplit('::', 1)[-1]}]" if diagnostic["urn"] else ""
            lines.append(f"  {paint(diagnostic['level']):<9} {diagnostic['policy']}{where}: {diagnostic['message']}")
        if not diagnostics:
            lines.append(f"  {style.green('all policies pass')}")
    summary = report["summary"]
    lines += [
        "",
        f"{summary['resources']} resources in {summary['accounts']} account(s), {summary['registries']} registries; "
        f"{summary['mandatory']} mandatory violation(s), {summary['advisory']} advisory finding(s).",
    ]
    return "\n".join(lines) + "\n"
