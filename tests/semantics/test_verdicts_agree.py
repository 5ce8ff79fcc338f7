"""`check`, the policy pack and the component's own documents agree on whether replication is granted.

They share one evaluator (`replication.iam_policy`, copied into the pack); these properties hold them to it on
generated registry policies and configurations, so a second, diverging reading can't creep back in.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policies.ecr_guardrails.registry_permissions import has_permission
from replication import EcrReplication, EcrReplicationArgs, ReplicationDestinationArgs
from replication.cli.check import registry_policy_findings
from replication.ecr_semantics import Registry
from replication.preview.analyzer import stack_resources
from replication.preview.runner import run_offline
from tests.conftest import account_provider
from tests.policies.policy_args import violation_messages
from tests.policies.policy_stacks import destination, provider, registry_policy, replication_configuration, rule

SOURCE, DEST, REGION = "111111111111", "222222222222", "us-west-2"
REPOSITORIES = f"arn:aws:ecr:{REGION}:{DEST}:repository/"

principals = st.sampled_from([f"arn:aws:iam::{SOURCE}:root", SOURCE, "*", "arn:aws:iam::999999999999:root",
                              f"arn:aws:iam::{SOURCE}:role/deployer"])
actions = st.lists(st.sampled_from(["ecr:ReplicateImage", "ecr:CreateRepository", "ecr:*", "ecr:Replicate*",
                                    "ecr:Create*", "*", "ecr:DeleteRepository"]), min_size=1, max_size=3, unique=True)
resources = st.lists(st.sampled_from([f"{REPOSITORIES}*", f"{REPOSITORIES}prod/*", f"{REPOSITORIES}prod*",
                                      f"{REPOSITORIES}dev/*", f"{REPOSITORIES}prod/secret*", "*",
                                      f"arn:aws:ecr:eu-west-1:{DEST}:repository/*"]), min_size=1, max_size=2, unique=True)
prefix_sets = st.lists(st.sampled_from(["prod/", "prod", "dev/", "prod/api"]), min_size=0, max_size=3, unique=True)


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    principal = draw(principals)
    statement: dict[str, Any] = {
        "Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])),
        "Principal": "*" if principal == "*" else {"AWS": principal},
        draw(st.sampled_from(["Action", "Action", "NotAction"])): draw(actions),
        draw(st.sampled_from(["Resource", "Resource", "NotResource"])): draw(resources),
    }
    if draw(st.booleans()) and draw(st.booleans()):
        statement["Condition"] = {"Bool": {"aws:SecureTransport": "true"}}
    return statement


def _check_says_granted(text: str, prefixes: list[str]) -> bool:
    return registry_policy_findings(text, SOURCE, Registry(DEST, REGION), frozenset(prefixes or [""])) == []


def _pack_says_granted(resources: list[Any], create_repositories: bool = True) -> bool:
    return violation_messages(has_permission, resources, {"requireCreateRepository": create_repositories}) == []


homes = st.sampled_from([(DEST, REGION), (DEST, REGION), ("999999999999", REGION), (DEST, "eu-west-1")])
"""Where the policy is put: the destination registry, or one whose ARNs merely name it."""


@settings(max_examples=300, deadline=None)
@given(st.lists(statements(), min_size=1, max_size=3), prefix_sets, homes)
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


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix_sets, st.lists(statements(), max_size=2).filter(
    lambda extra: all(s["Effect"] == "Allow" and s["Principal"] != "*" for s in extra)))
def test_the_components_own_policies_pass_check_and_the_pack(prefixes: list[str], extra: list[dict[str, Any]]) -> None:
    """Whatever prefixes and extra Allow statements a user gives, the registry policy the component writes lets the
    source replicate them, in the eyes of check and of the pack alike."""
    extra = [{**s, "Sid": f"Extra{i}", "Principal": s["Principal"]} for i, s in enumerate(extra)
             if s["Principal"].get("AWS") != "*"]

    def program() -> None:
        source = account_provider("source", SOURCE, "us-east-1")
        EcrReplication("images", EcrReplicationArgs(
            source_provider=source, source_account_id=SOURCE, source_region="us-east-1", repository_prefixes=prefixes,
            destinations=[ReplicationDestinationArgs(provider=account_provider("destination", DEST, REGION),
                                                     account_id=DEST, regions=[REGION],
                                                     registry_policy_statements=extra)]))

    run = run_offline(program)
    [policy] = [r for r in run.resources if r.type == "aws:ecr/registryPolicy:RegistryPolicy"]
    assert _check_says_granted(policy.inputs["policy"], prefixes)
    assert _pack_says_granted(stack_resources(run.resources))
    assert json.loads(policy.inputs["policy"])["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{SOURCE}:root"}
