"""What a repository that replication creates should carry, per the plan, and how its live settings compare.

The declared side comes from ``ecr-replication plan --json``: per registry (``registries[].accountId/region``), the
creation templates (``aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate`` applied for ``REPLICATION``)
and the registry scanning configuration. Of the templates, the one ECR applies to the repository's name
(:func:`replication.repository_settings.applied_template`) is read with
:meth:`replication.template_settings.TemplateSettings.from_inputs`, the parser ``import`` uses too. Templates
can't set scanning: scan on push comes from the registry scanning configuration, whose filters match as
:func:`replication.ecr_semantics.scanning_filter_matches` says.

The live side is read in the destination registry with that account's verified credentials: ``DescribeRepositories``
(tag mutability, exclusion filters, encryption, the repository's own scan-on-push flag),
``BatchGetRepositoryScanningConfiguration`` (the registry scanning rule that applies), ``GetLifecyclePolicy``,
``GetRepositoryPolicy`` and ``ListTagsForResource``. A setting whose live value can't be read is not checked, and
so is every template setting of a repository that existed before the push: templates act only when replication
creates a repository (ECR user guide, "Creating a repository creation template in Amazon ECR": "This doesn't have
any effect on any previously created repositories"), so its settings say nothing about them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from replication.cli.aws_errors import AwsError, error_code
from replication.cli.errors import CliError
from replication.cli.sessions import AccountSession
from replication.ecr_semantics import Registry, canonical_json, scanning_filter_matches
from replication.limits import APPLIED_FOR_REPLICATION, KMS_ENCRYPTION_TYPES, SCAN_ON_PUSH_FREQUENCIES
from replication.repository_settings import applied_template
from replication.resource_types import REGISTRY_SCANNING_CONFIGURATION, REPOSITORY_CREATION_TEMPLATE
from replication.template_settings import TemplateSettings, canonical_document

OK, MISMATCH, NOT_CHECKED = "ok", "mismatch", "not checked"
"""The outcome of comparing one setting."""

SECRET_REASON = "the plan shows it as a secret"
"""Why a setting the plan declares with a secret value is not checked."""

TEMPLATE_INPUTS = {
    "imageTagMutability": ("imageTagMutability",),
    "imageTagMutabilityExclusionFilters": ("imageTagMutabilityExclusionFilters",),
    "encryptionConfigurations": ("encryptionType", "kmsKey"),
    "lifecyclePolicy": ("lifecyclePolicy",),
    "repositoryPolicy": ("repositoryPolicy",),
    "resourceTags": ("resourceTags",),
}
"""Each creation template input, and the settings of a created repository it declares."""

TEMPLATE_SETTINGS = frozenset(setting for settings in TEMPLATE_INPUTS.values() for setting in settings)
"""The settings a creation template gives a repository (scan on push is the registry scanning configuration's)."""


@dataclass(frozen=True)
class Plan:
    """The parts of a ``plan --json`` document ``verify`` reads (the source registry is the
    :class:`~replication.cli.expectation.Expectation`'s)."""

    resources: Mapping[Registry, tuple[Mapping[str, Any], ...]]
    """Each registry's declared resources (``type``, ``name``, ``inputs``)."""
    secret: str
    """How the plan prints a secret value (such a value can't be compared)."""

    def declared(self, registry: Registry, repository: str) -> Declared:
        """What the plan declares for ``repository`` when replication creates it in ``registry``; ``CliError``
        when the plan's template can't be read."""
        resources = self.resources.get(registry, ())
        declared = [_inputs(r) for r in resources if r.get("type") == REPOSITORY_CREATION_TEMPLATE]
        templates = {inputs["prefix"]: inputs for inputs in declared if isinstance(inputs.get("prefix"), str)
                     and APPLIED_FOR_REPLICATION in (inputs.get("appliedFors") or [])}
        prefix = applied_template(templates, repository)
        values = _template_values(templates[prefix], self.secret, registry, prefix) if prefix is not None else {}
        scanning = [r for r in resources if r.get("type") == REGISTRY_SCANNING_CONFIGURATION]
        if scanning:
            values["scanOnPush"] = any(scans_on_push(_inputs(r), repository) for r in scanning)
        role = templates[prefix].get("customRoleArn") if prefix is not None else None
        return Declared(prefix, role if isinstance(role, str) else None, values, self.secret)


def plan_of(document: Any, label: str) -> Plan:
    """The plan ``document`` (called ``label`` in messages); ``CliError`` when it isn't a JSON object."""
    from replication.preview.runner import SECRET  # only with a plan: it imports the Pulumi SDK

    if not isinstance(document, dict):
        raise CliError(f"{label} is not a JSON object (expected the output of `ecr-replication plan --json`)")
    resources: dict[Registry, tuple[Mapping[str, Any], ...]] = {}
    for entry in document.get("registries") or []:
        if isinstance(entry, dict) and isinstance(entry.get("accountId"), str) and isinstance(entry.get("region"), str):
            listed = tuple(r for r in entry.get("resources") or [] if isinstance(r, dict))
            registry = Registry(entry["accountId"], entry["region"])
            resources[registry] = resources.get(registry, ()) + listed
    return Plan(resources, SECRET)


def _inputs(resource: Mapping[str, Any]) -> Mapping[str, Any]:
    inputs = resource.get("inputs")
    return inputs if isinstance(inputs, Mapping) else {}


def scans_on_push(configuration: Mapping[str, Any], repository: str) -> bool:
    """Whether a registry scanning configuration scans ``repository``'s images when they arrive."""
    return any(
        rule.get("scanFrequency") in SCAN_ON_PUSH_FREQUENCIES
        and any(isinstance(f, dict) and isinstance(f.get("filter"), str)
                and scanning_filter_matches(f["filter"], repository) for f in rule.get("repositoryFilters") or [])
        for rule in configuration.get("rules") or [] if isinstance(rule, dict)
    )


@dataclass(frozen=True)
class SettingCheck:
    """One setting of a replicated repository: declared, live, and whether they agree."""

    setting: str
    expected: str
    live: str | None
    state: str
    hint: str | None = None


@dataclass(frozen=True)
class Declared:
    """The declared settings of one replicated repository: from the template ECR applies, and scan on push from the
    registry scanning configuration."""

    template_prefix: str | None
    """The prefix of the template ECR applies (``None``: the plan declares none that applies)."""
    role_arn: str | None
    """That template's ``customRoleArn``: the role ECR uses to apply KMS encryption and tags."""
    values: Mapping[str, Any]
    """Each declared setting in the form its live value is compared in, in report order (``kmsKey`` ``None``: AWS's
    managed key or no KMS, not compared; no ``scanOnPush`` when the plan declares no scanning configuration)."""
    secret: str
    """How the plan prints a secret value (a setting declared with one can't be compared)."""


def _template_values(inputs: Mapping[str, Any], secret: str, registry: Registry, prefix: str) -> dict[str, Any]:
    """A plan template's settings in comparison form; a setting whose input holds a secret is ``secret``."""
    hidden = {key for key, value in inputs.items() if key in TEMPLATE_INPUTS and _holds_secret(value, secret)}
    try:
        settings = TemplateSettings.from_inputs({key: value for key, value in inputs.items() if key not in hidden})
    except (AttributeError, KeyError, IndexError, TypeError, ValueError) as error:
        raise CliError(f"the expected plan's creation template {prefix!r} of {registry} has inputs that are not a "
                       f"template's ({type(error).__name__}: {error}); pass the output of `ecr-replication plan "
                       "--json`") from None
    values: dict[str, Any] = {
        "imageTagMutability": settings.image_tag_mutability,
        "imageTagMutabilityExclusionFilters": list(settings.exclusion_filters),
        "encryptionType": settings.encryption_type,
        "kmsKey": settings.kms_key,
        "lifecyclePolicy": settings.lifecycle_policy,
        "repositoryPolicy": settings.repository_policy,
        "resourceTags": dict(settings.tags),
    }
    values.update({setting: secret for key in hidden for setting in TEMPLATE_INPUTS[key]})
    return values


def _exclusion_filters(filters: Any) -> list[str]:
    """A live repository's exclusion filters as a sorted list of their patterns (``WILDCARD`` is their only type)."""
    return sorted(f["filter"] for f in filters or ())


def shown(value: Any) -> str:
    """A setting's value in a report line."""
    if value is None:
        return "none"
    if isinstance(value, (dict, list)):
        return canonical_json(value)
    return str(value).lower() if isinstance(value, bool) else str(value)


@dataclass
class LiveSettings:
    """A replicated repository's live settings, and why those that could not be read weren't."""

    values: dict[str, Any] = field(default_factory=dict)
    unread: dict[str, str] = field(default_factory=dict)
    fixes: dict[str, str] = field(default_factory=dict)
    """What would let each reason in ``unread`` be read: a permission only for an access denial."""


def read_live(session: AccountSession, registry: Registry, repository: str) -> LiveSettings:
    """Read the repository's settings in ``registry`` with ``session`` (that registry's account)."""
    ecr = session.client("ecr", registry.region)
    live = LiveSettings()

    def read(settings: tuple[str, ...], action: str, call: Callable[[], dict[str, Any]],
             absent: str | None = None) -> dict[str, Any] | None:
        try:
            return call()
        except AwsError as error:
            if absent is not None and error_code(error) == absent:
                return {}
            failure = session.read_failure(error, registry.account_id, action)
        live.fixes[failure.reason] = failure.fix
        for setting in settings:
            live.unread[setting] = failure.reason
        return None

    described = read(("imageTagMutability", "imageTagMutabilityExclusionFilters", "encryptionType", "kmsKey",
                      "resourceTags", "scanOnPush"), "ecr:DescribeRepositories",
                     lambda: ecr.describe_repositories(repositoryNames=[repository])["repositories"][0])
    if described is not None:
        encryption = described.get("encryptionConfiguration") or {}
        live.values.update({
            "imageTagMutability": described.get("imageTagMutability"),
            "imageTagMutabilityExclusionFilters": _exclusion_filters(
                described.get("imageTagMutabilityExclusionFilters")),
            "encryptionType": encryption.get("encryptionType"),
            "kmsKey": encryption.get("kmsKey"),
            "scanOnPush": bool((described.get("imageScanningConfiguration") or {}).get("scanOnPush")),
        })
        tags = read(("resourceTags",), "ecr:ListTagsForResource",
                    lambda: ecr.list_tags_for_resource(resourceArn=described["repositoryArn"]))
        if tags is not None:
            live.values["resourceTags"] = {t["Key"]: t["Value"] for t in tags.get("tags", [])}
        scanning = read(("scanOnPush",), "ecr:BatchGetRepositoryScanningConfiguration",
                        lambda: ecr.batch_get_repository_scanning_configuration(repositoryNames=[repository]))
        if scanning is not None:
            for configuration in scanning.get("scanningConfigurations", []):
                if configuration.get("scanOnPush") or configuration.get("scanFrequency") in SCAN_ON_PUSH_FREQUENCIES:
                    live.values["scanOnPush"] = True
    lifecycle = read(("lifecyclePolicy",), "ecr:GetLifecyclePolicy",
                     lambda: ecr.get_lifecycle_policy(repositoryName=repository), "LifecyclePolicyNotFoundException")
    if lifecycle is not None:
        live.values["lifecyclePolicy"] = canonical_document(lifecycle.get("lifecyclePolicyText"))
    policy = read(("repositoryPolicy",), "ecr:GetRepositoryPolicy",
                  lambda: ecr.get_repository_policy(repositoryName=repository), "RepositoryPolicyNotFoundException")
    if policy is not None:
        live.values["repositoryPolicy"] = canonical_document(policy.get("policyText"))
    return live


def compare(declared: Declared, live: LiveSettings, registry: Registry, predates: str | None) -> list[SettingCheck]:
    """Every declared setting against its live value, in the order of :attr:`Declared.values`.

    ``predates`` says why the repository may not be one replication created during this run (it existed before
    the push, or that could not be read): its template settings are then not checked, as templates act only when
    replication creates a repository; scan on push, which the registry scanning configuration sets on existing
    repositories too, still is.
    """
    checks = []
    for setting, expected in declared.values.items():
        if setting == "kmsKey" and expected is None:
            continue  # KMS with AWS's managed key, or no KMS at all: the key is not declared
        value = live.values.get(setting)
        if expected == declared.secret:
            checks.append(SettingCheck(setting, declared.secret, None, NOT_CHECKED, SECRET_REASON))
        elif predates is not None and setting in TEMPLATE_SETTINGS:
            read = setting not in live.unread
            checks.append(SettingCheck(setting, shown(expected), shown(value) if read else None, NOT_CHECKED, predates))
        elif setting in live.unread:
            checks.append(SettingCheck(setting, shown(expected), None, NOT_CHECKED, live.unread[setting]))
        elif _agrees(setting, expected, value):
            checks.append(SettingCheck(setting, shown(expected), shown(value), OK))
        else:
            checks.append(SettingCheck(setting, shown(expected), shown(value), MISMATCH,
                                       _hint(setting, declared, registry)))
    return checks


def _holds_secret(value: Any, secret: str) -> bool:
    if isinstance(value, dict):
        return any(_holds_secret(v, secret) for v in value.values())
    if isinstance(value, list):
        return any(_holds_secret(v, secret) for v in value)
    return value == secret


def _agrees(setting: str, expected: Any, live: Any) -> bool:
    """Whether a live value carries the declared one."""
    if setting == "resourceTags":
        # ECR may tag on its own; every declared tag must be there with its value.
        return isinstance(live, dict) and all(live.get(k) == v for k, v in expected.items())
    if setting == "kmsKey" and isinstance(live, str) and isinstance(expected, str):
        # A key may be declared by id; ECR reports the key ARN.
        return live == expected or live.endswith(f":key/{expected}")
    return bool(expected == live)


def _hint(setting: str, declared: Declared, registry: Registry) -> str:
    """Where to look for a mismatch: the registry scanning configuration, the template role for KMS and tags, else
    the template."""
    if setting == "scanOnPush":
        return f"the registry scanning configuration of {registry} (aws ecr get-registry-scanning-configuration)"
    template = f"creation template {declared.template_prefix!r} of {registry}"
    uses_kms = setting in ("encryptionType", "kmsKey") and declared.values.get("encryptionType") in KMS_ENCRYPTION_TYPES
    if uses_kms or setting == "resourceTags":
        what = "KMS encryption" if uses_kms else "resource tags"
        if declared.role_arn is None:
            return f"the {template} has no customRoleArn, which ECR needs to apply {what}"
        needs = "kms:CreateGrant and kms:DescribeKey on the key" if uses_kms else "ecr:TagResource"
        return (f"ECR applies {what} through the template role {declared.role_arn} of the {template}: check that "
                f"it exists, trusts ecr.amazonaws.com and allows {needs}")
    return f"the {template} (aws ecr describe-repository-creation-templates --region {registry.region})"
