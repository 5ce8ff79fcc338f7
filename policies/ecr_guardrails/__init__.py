"""The ECR replication guardrails: CrossGuard policies for replication, registry policies and hardening.

Self-contained on purpose (it imports only `pulumi_policy`): a published pack installs nothing but what
`policies/requirements.txt` names.
"""

from typing import Final

from pulumi_policy import Policy

from .hardening import replicated_repositories_hardened
from .providers import explicit_providers
from .pull_through import upstream_replicated
from .registry_permissions import has_permission, least_privilege
from .replication_limits import destination_limit, rule_limits
from .singletons import single_configuration

PACK_NAME: Final = "ecr-replication-guardrails"
"""The policy pack's name, as `pulumi policy publish` registers it."""

PACK_DESCRIPTION: Final = "Guardrails for Amazon ECR cross-account and cross-region replication."
"""What `GetAnalyzerInfo` says the pack is for."""

POLICIES: Final[list[Policy]] = [
    destination_limit,
    rule_limits,
    single_configuration,
    least_privilege,
    has_permission,
    replicated_repositories_hardened,
    upstream_replicated,
    explicit_providers,
]
"""Every policy of the pack, in the order the README's table lists them."""

__all__ = ["PACK_DESCRIPTION", "PACK_NAME", "POLICIES"]
