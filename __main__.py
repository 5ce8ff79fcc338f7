"""Example stack: replicate the source account's ECR images to the configured accounts and regions.

Reads ``Pulumi.<stack>.yaml`` (see README, "The example stack and its configuration"), builds one aws provider
per account pinned with ``allowed_account_ids``, and declares one EcrReplication component; with
``ecr-replication:adopt`` (what ``ecr-replication import`` writes) it adopts the live resources instead of
creating them (README, "Adopting an existing setup"). Config errors name the config key, the component's too.
"""

import pulumi

from replication import EcrReplication
from replication.stack.config import account_providers, component_args, config_errors, read_stack_config

config = read_stack_config(pulumi.Config())
providers = account_providers(config)
with config_errors(config):
    images = EcrReplication("images", component_args(config, providers))


def exported(value: object) -> object:
    """``value`` as a secret output when an account id is a secret (these outputs spell account ids)."""
    return pulumi.Output.secret(value) if config.has_secret_account_id else value


pulumi.export("sourceRegistryId", exported(config.source.account_id))
pulumi.export("sourceRegion", config.source.region)
pulumi.export("sourceRegistry", exported(images.source_registry))
pulumi.export("destinationRegistries", exported(images.destination_registries))
pulumi.export("replicationConfiguration", exported(images.replication_rules.apply(lambda rules: {"rules": rules})))
pulumi.export("registryPolicies", exported(images.registry_policies))
