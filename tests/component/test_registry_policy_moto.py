"""The generated registry policies are accepted by ECR's validator (moto's PutRegistryPolicy, over HTTP).

moto validates a registry policy as ECR's first registry policy scope (V1) did: replication actions only
(``moto/ecr/models.py``, ``_validate_registry_policy_action``). ECR's current scope (V2, the only value botocore's
model documents for ``PutAccountSetting`` ``REGISTRY_POLICY_SCOPE``) takes any ECR action, which the statement
that grants pull-through spokes needs; that statement is checked against the ECR user guide in
``tests/component/test_pull_through.py`` and left out here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import botocore.exceptions
import pytest

from replication.preview.runner import run_program_file
from replication.preview.stack_files import load_stack
from replication.pull_through import GRANT_SID
from tests.conftest import REGISTRY_POLICY

ROOT = Path(__file__).resolve().parents[2]


def dev_stack_policies() -> list[tuple[str, str, str]]:
    """(account, region, policy) for every registry policy the bundled dev stack declares, without the statement
    granting pull-through spokes (see the module docs)."""
    files = load_stack(ROOT, "dev")
    run = run_program_file(files.program, files.project, files.stack, files.config, files.secret_keys)
    policies = []
    for resource in run.of_type(REGISTRY_POLICY):
        document = json.loads(resource.inputs["policy"])
        document["Statement"] = [s for s in document["Statement"] if s.get("Sid") != GRANT_SID]
        account = document["Statement"][0]["Resource"][0].split(":")[4]
        policies.append((account, resource.inputs["region"], json.dumps(document)))
    return policies


def test_dev_stack_policies_are_accepted_by_put_registry_policy(aws_client: Callable[..., Any]) -> None:
    policies = dev_stack_policies()
    assert {(a, r) for a, r, _ in policies} == {("222222222222", "us-west-2"), ("222222222222", "eu-west-1")}
    for account, region, policy in policies:
        ecr = aws_client("ecr", account, region)
        answer = ecr.put_registry_policy(policyText=policy)
        assert answer["registryId"] == account
        assert json.loads(ecr.get_registry_policy()["policyText"]) == json.loads(policy)


def test_validator_is_live_and_rejects_a_non_replication_action(aws_client: Callable[..., Any]) -> None:
    """The control for the test above: moto does reject a document ECR would reject."""
    _, region, policy = dev_stack_policies()[0]
    document = json.loads(policy)
    document["Statement"][0]["Action"] = ["ecr:DeleteRepository"]
    ecr = aws_client("ecr", "222222222222", region)
    with pytest.raises(botocore.exceptions.ClientError, match="InvalidParameterException|Invalid"):
        ecr.put_registry_policy(policyText=json.dumps(document))
