"""The offline plan answers "which account is this?" for each aws provider with the shared rule
(`ecr_semantics.deployment_account`): through a role chain the last role is the identity (IAM user guide, "role
chaining"; pulumi-aws 7 `assumeRoles` are assumed in order), and a provider whose `allowedAccountIds` refuses that
identity can't be planned at all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.preview.test_plan_command import plan, write_project

HUB, SOURCE, DESTINATION = "999999999999", "111111111111", "222222222222"


def project(folder: Path, destination_settings: str) -> Path:
    return write_project(
        folder,
        f"""
        import pulumi_aws as aws
        from replication import EcrReplication
        src = aws.Provider("src", region="us-east-1", allowed_account_ids=["{SOURCE}"])
        dst = aws.Provider("dst", region="us-west-2", {destination_settings})
        EcrReplication("images", {{"source_provider": src, "destinations": [{{"provider": dst}}]}})
        """,
        "config: {}\n",
    )


CHAIN = (f'assume_roles=[{{"role_arn": "arn:aws:iam::{HUB}:role/hub"}}, '
         f'{{"role_arn": "arn:aws:iam::{DESTINATION}:role/deployer"}}]')


@pytest.mark.parametrize("allowed", ["", f'allowed_account_ids=["{DESTINATION}"], '],
                         ids=["the chain alone", "allowed ids agreeing with the chain's last role"])
def test_a_role_chain_deploys_into_the_last_role_s_account(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           allowed: str) -> None:
    code, out, err = plan(capsys, "--json", "--no-policies", "--cwd", str(project(tmp_path, allowed + CHAIN)),
                          "--stack", "test")
    assert code == 0, err
    report = json.loads(out)
    assert report["replicationConfiguration"]["rules"][0]["destinations"] == [
        {"region": "us-west-2", "registryId": DESTINATION}]
    provider = next(p for p in report["providers"] if p["name"] == "dst")
    assert (provider["accountId"], provider["roleArn"]) == (DESTINATION, f"arn:aws:iam::{DESTINATION}:role/deployer")
    registries = {(r["accountId"], r["region"]) for r in report["registries"]}
    assert (DESTINATION, "us-west-2") in registries and (HUB, "us-west-2") not in registries
    [policy] = [r for r in next(r for r in report["registries"] if r["accountId"] == DESTINATION
                                and r["region"] == "us-west-2")["resources"] if r["type"].endswith("RegistryPolicy")]
    assert json.loads(policy["inputs"]["policy"])["Statement"][0]["Resource"][0].startswith(
        f"arn:aws:ecr:us-west-2:{DESTINATION}:repository/")


def test_allowed_ids_refusing_the_chain_s_last_role_stop_the_plan(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """allowed_account_ids names the hub (the first role's account), the chain ends in the destination account: the
    provider would refuse to run, so no account is guessed."""
    folder = project(tmp_path, f'allowed_account_ids=["{HUB}"], ' + CHAIN)
    code, out, err = plan(capsys, "--no-policies", "--cwd", str(folder), "--stack", "test")
    assert (code, out) == (2, "")
    assert err == (
        "ecr-replication plan: error: aws provider 'dst': its account can't be known offline (the last assumed role is "
        "in an account allowedAccountIds doesn't allow, so the provider refuses to run); give it allowed_account_ids "
        "with its one account (or assume_roles ending in a role of that account), or pass the account id to the "
        "component\n")


def test_an_explicit_account_id_its_provider_contradicts_stops_the_plan(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 19, item 5: the provider is pinned to 444444444444, the component is told 222222222222. Before, the plan
    listed the registry policy under 222222222222 and only a misdiagnosing advisory hinted at it."""
    folder = write_project(
        tmp_path,
        f"""
        import pulumi_aws as aws
        from replication import EcrReplication
        src = aws.Provider("src", region="us-east-1", allowed_account_ids=["{SOURCE}"])
        dst = aws.Provider("dst", region="us-west-2", allowed_account_ids=["444444444444"])
        EcrReplication("images", {{"source_provider": src, "source_account_id": "{SOURCE}",
                                  "destinations": [{{"provider": dst, "account_id": "{DESTINATION}"}}]}})
        """,
        "config: {}\n",
    )
    code, out, err = plan(capsys, "--cwd", str(folder), "--stack", "test")
    assert (code, out) == (2, "")
    assert err == (
        f"ecr-replication plan: error: destinations[0].account_id: the provider given for it deploys into account "
        f"444444444444 (its allowed_account_ids, the role it assumes last, or its credentials), so the resources "
        f"would land there: give that account's id, or a provider of this account (got '{DESTINATION}')\n")
