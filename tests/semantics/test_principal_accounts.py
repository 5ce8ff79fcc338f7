"""Which account an IAM principal is in: one reading for the stack config's ``roleArn``, ``import --force``'s
credentials and the CLI's ``--destination-role-arn`` (IAM user guide, "IAM identifiers": ``arn:<partition>:iam::
<account>:role/<path/><name>``)."""

from __future__ import annotations

import pytest

from replication.ecr_semantics import account_of_principal, account_of_role


@pytest.mark.parametrize(("arn", "account"), [
    ("arn:aws:iam::222222222222:role/deployer", "222222222222"),
    ("arn:aws-cn:iam::222222222222:role/path/to/deployer", "222222222222"),
    ("arn:aws-us-gov:iam::222222222222:role/aws-service-role/replication.ecr.amazonaws.com/AWSServiceRoleForECRReplication",
     "222222222222"),
    ("arn:aws:iam::222222222222:user/ci", None),
    ("arn:aws:iam::222222222222:root", None),
    ("arn:aws:sts::222222222222:assumed-role/deployer/session", None),
    ("xarn:aws:iam::222222222222:role/deployer", None),
    ("arn:aws:iam::2222:role/deployer", None),
    ("prefix arn:aws:iam::222222222222:role/deployer", None),
    ("222222222222", None),
])
def test_a_role_arn_names_its_account_and_nothing_else_does(arn: str, account: str | None) -> None:
    assert account_of_role(arn) == account


def test_every_principal_in_an_account_is_in_it_but_only_a_role_is_a_role() -> None:
    assert account_of_principal("arn:aws:sts::222222222222:assumed-role/deployer/session") == "222222222222"
    assert account_of_role("arn:aws:sts::222222222222:assumed-role/deployer/session") is None
