"""`check`, the policy pack, `ecr-replication import` and the component agree on whether replication is granted and
on which principals a registry policy may name.

They share one evaluator and one principal rule (`replication.iam_policy`, copied into the pack); these properties
hold them to it on generated registry policies and configurations (principals named, `"*"`, `NotPrincipal`, a
service; Allow and Deny), so a second, diverging reading can't creep back in.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from policies.ecr_guardrails.registry_permissions import has_permission, least_privilege
from replication import EcrReplication, EcrReplicationArgs, ReplicationConfigError, ReplicationDestinationArgs
from replication.cli.check import registry_policy_findings
from replication.ecr_semantics import Registry
from replication.model import POLICY_SID
from replication.preview.analyzer import stack_resources
from replication.preview.runner import run_offline
from replication.stack.importer import LiveRegistry, LiveSetup, config_from_live
from tests.conftest import account_provider
from tests.policies.policy_args import violation_messages
from tests.policies.policy_stacks import destination, provider, registry_policy, replication_configuration, rule

SOURCE, DEST, REGION = "111111111111", "222222222222", "us-west-2"
REPOSITORIES = f"arn:aws:ecr:{REGION}:{DEST}:repository/"

principals = st.sampled_from([f"arn:aws:iam::{SOURCE}:root", SOURCE, "*", "arn:aws:iam::999999999999:root",
                              f"arn:aws:iam::{SOURCE}:role/deployer", "service"])
actions = st.lists(st.sampled_from(["ecr:ReplicateImage", "ecr:CreateRepository", "ecr:*", "ecr:Replicate*",
                                    "ecr:Create*", "*", "ecr:DeleteRepository"]), min_size=1, max_size=3, unique=True)
resources = st.lists(st.sampled_from([f"{REPOSITORIES}*", f"{REPOSITORIES}prod/*", f"{REPOSITORIES}prod*",
                                      f"{REPOSITORIES}dev/*", f"{REPOSITORIES}prod/secret*", "*",
                                      f"arn:aws:ecr:eu-west-1:{DEST}:repository/*"]), min_size=1, max_size=2, unique=True)
prefix_sets = st.lists(st.sampled_from(["prod/", "prod", "dev/", "prod/api"]), min_size=0, max_size=3, unique=True)


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    principal = draw(principals)
    element = "*" if principal == "*" else {"Service": "ecr.amazonaws.com"} if principal == "service" else {"AWS": principal}
    statement: dict[str, Any] = {
        "Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])),
        draw(st.sampled_from(["Principal", "Principal", "Principal", "NotPrincipal"])): element,
        draw(st.sampled_from(["Action", "Action", "NotAction"])): draw(actions),
        draw(st.sampled_from(["Resource", "Resource", "NotResource"])): draw(resources),
    }
    if draw(st.booleans()) and draw(st.booleans()):
        statement["Condition"] = {"Bool": {"aws:SecureTransport": "true"}}
    return statement


deny_guards = st.fixed_dictionaries({
    "Effect": st.just("Deny"), "Principal": st.sampled_from(["*", {"AWS": "*"}]),
    "Action": st.sampled_from(["ecr:DeleteRepository", "ecr:BatchDeleteImage", "ecr:SetRepositoryPolicy"]),
    "Resource": resources})
"""A common guard: a Deny for everyone of what replication never does."""


def _check_says_granted(text: str, prefixes: list[str]) -> bool:
    return registry_policy_findings(text, SOURCE, Registry(DEST, REGION), frozenset(prefixes or [""])) == []


def _pack_says_granted(resources: list[Any], create_repositories: bool = True) -> bool:
    return violation_messages(has_permission, resources, {"requireCreateRepository": create_repositories}) == []


homes = st.sampled_from([(DEST, REGION), (DEST, REGION), ("999999999999", REGION), (DEST, "eu-west-1")])
"""Where the policy is put: the destination registry, or one whose ARNs merely name it."""


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(statements(), deny_guards), min_size=1, max_size=3), prefix_sets, homes)
def test_check_and_the_pack_agree_on_any_policy(generated: list[dict[str, Any]], prefixes: list[str],
                                                home: tuple[str, str]) -> None:
    """check reads the destination registry's own policy (a policy put elsewhere is no policy there); the pack
    must judge the policies of the stack the same way."""
    account, region = home
    policy = registry_policy(statements=[{**s, "Sid": f"S{i}"} for i, s in enumerate(generated)], region=region,
                             resource_provider=provider("destination", region=region, account=account))
    configuration = replication_configuration(rules=[rule([destination(DEST, REGION)], prefixes)])
    check_says = home == (DEST, REGION) and _check_says_granted(policy["props"]["policy"], prefixes)
    assert _pack_says_granted([configuration, policy]) == check_says


def _replication_statement(prefixes: list[str]) -> dict[str, Any]:
    """The statement the component writes for these prefixes (its registry policy without extra statements)."""
    [policy] = [r for r in _component_run(prefixes, []).resources if r.type == "aws:ecr/registryPolicy:RegistryPolicy"]
    return json.loads(policy.inputs["policy"])["Statement"][0]


def _component_run(prefixes: list[str], extra: list[dict[str, Any]]) -> Any:
    def program() -> None:
        source = account_provider("source", SOURCE, "us-east-1")
        EcrReplication("images", EcrReplicationArgs(
            source_provider=source, source_account_id=SOURCE, source_region="us-east-1", repository_prefixes=prefixes,
            destinations=[ReplicationDestinationArgs(provider=account_provider("destination", DEST, REGION),
                                                     account_id=DEST, regions=[REGION],
                                                     registry_policy_statements=extra)]))

    return run_offline(program)


def _pack_principal_findings(statements: list[dict[str, Any]]) -> list[str]:
    """What the pack's mandatory least-privilege policy says about whom the statements name (its other findings are
    about actions)."""
    found = violation_messages(least_privilege, registry_policy(statements=statements))
    return [message for message in found if message.startswith("statement ")]


def _import_refusals(statements: list[dict[str, Any]], prefixes: list[str]) -> tuple[str, ...]:
    """What `ecr-replication import` refuses of a live destination registry with this policy."""
    live_rule = {"destinations": [{"region": REGION, "registryId": DEST}]}
    if prefixes:
        live_rule["repositoryFilters"] = [{"filter": p, "filterType": "PREFIX_MATCH"} for p in prefixes]
    policy = json.dumps({"Version": "2012-10-17", "Statement": statements})
    destination_registry = LiveRegistry(Registry(DEST, REGION), policy, (), {"scanType": "BASIC", "rules": []})
    return config_from_live(LiveSetup(Registry(SOURCE, "us-east-1"), (live_rule,), (destination_registry,))).refusals


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix_sets, st.lists(st.one_of(statements(), deny_guards), max_size=2))
def test_the_component_import_check_and_the_pack_agree_on_extra_statements(
        prefixes: list[str], generated: list[dict[str, Any]]) -> None:
    """Whatever extra statements a user gives (Allow or Deny; named accounts, "*", NotPrincipal, a service):

    * the component accepts them exactly when the pack finds nothing wrong with whom they name and check and the pack
      both find the resulting policy still grants replication; what it writes then passes all three;
    * when it rejects them for whom they name, the pack reports the same problem in the same words, and so does
      `ecr-replication import` for a live policy holding them.
    """
    extra = [{**s, "Sid": f"Extra{i}"} for i, s in enumerate(generated)]
    policy_statements = [_replication_statement(prefixes), *extra]
    pack_findings = _pack_principal_findings(policy_statements)
    refusals = _import_refusals(policy_statements, prefixes)
    granted = _check_says_granted(json.dumps({"Version": "2012-10-17", "Statement": policy_statements}), prefixes)
    try:
        run = _component_run(prefixes, extra)
    except ReplicationConfigError as error:
        index = int(error.field.split("registry_policy_statements[")[1].split("]")[0])
        if error.field.endswith(("].Principal", "].NotPrincipal")):
            event(f"rejected: {error.problem.split(';')[0]}")
            assert f"statement Extra{index}: {error.problem}." in pack_findings
            assert f"registry {DEST}/{REGION}: registry policy statement Extra{index}: {error.problem}" in refusals
        else:  # a Deny that takes replication away
            event("rejected: a Deny takes replication away")
            assert "takes ecr:" in error.problem and not granted
            assert not _pack_says_granted([replication_configuration(rules=[rule([destination(DEST, REGION)], prefixes)]),
                                           registry_policy(statements=policy_statements)])
        return
    event("accepted" + (" with a Deny for '*'" if any(x["Effect"] == "Deny" and x.get("Principal") in ("*", {"AWS": "*"})
                                                       for x in extra) else ""))
    assert pack_findings == [] and refusals == () and granted
    [policy] = [r for r in run.resources if r.type == "aws:ecr/registryPolicy:RegistryPolicy"]
    assert json.loads(policy.inputs["policy"])["Statement"] == policy_statements
    assert _check_says_granted(policy.inputs["policy"], prefixes)
    assert _pack_says_granted(stack_resources(run.resources))
    assert json.loads(policy.inputs["policy"])["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{SOURCE}:root"}
    assert json.loads(policy.inputs["policy"])["Statement"][0]["Sid"] == POLICY_SID
