"""The `ecr-replication-guardrails` policy pack: `pulumi preview --policy-pack policies`.

Only builds the pack; the policies live in `ecr_guardrails`. Constructing `PolicyPack` starts the analyzer
server, prints its port and never returns, so nothing may import this module.
"""

from pulumi_policy import PolicyPack

from ecr_guardrails import PACK_NAME, POLICIES

PolicyPack(
    name=PACK_NAME,
    policies=POLICIES,
    description="Guardrails for Amazon ECR cross-account and cross-region replication.",
)
