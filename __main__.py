"""Example stack: replicate the source account's ECR images to the configured accounts and regions.

Reads ``Pulumi.<stack>.yaml`` (see README, "Configuration"), builds one aws provider per account pinned with
``allowed_account_ids``, and declares one EcrReplication component.
"""

import pulumi

from replication import EcrReplication, EcrReplicationArgs, ReplicationDestinationArgs
from replication.stack.config import account_provider, read_stack_config

config = read_stack_config(pulumi.Config())
providers = {config.source.account_id: account_provider("source", config.source)}

destinations: list[ReplicationDestinationArgs] = []
for destination in config.destinations:
    account = destination.account
    if account.account_id not in providers:
        providers[account.account_id] = account_provider(f"destination-{account.account_id}", account)
    entry = ReplicationDestinationArgs(
        provider=providers[account.account_id],
        account_id=account.account_id,
        regions=destination.regions,
        manage_registry_policy=destination.manage_registry_policy,
    )
    if destination.repository_prefixes is not None:
        entry["repository_prefixes"] = destination.repository_prefixes
    if destination.repository_settings is not None:
        entry["repository_settings"] = destination.repository_settings
    destinations.append(entry)

args = EcrReplicationArgs(
    source_provider=providers[config.source.account_id],
    source_account_id=config.source.account_id,
    source_region=config.source.region,
    destinations=destinations,
    repository_prefixes=config.repository_prefixes,
)
if config.repository_settings is not None:
    args["repository_settings"] = config.repository_settings
images = EcrReplication("images", args)

pulumi.export("sourceRegistryId", config.source.account_id)
pulumi.export("sourceRegion", config.source.region)
pulumi.export("sourceRegistry", images.source_registry)
pulumi.export("destinationRegistries", images.destination_registries)
pulumi.export("replicationConfiguration", images.replication_rules.apply(lambda rules: {"rules": rules}))
pulumi.export("registryPolicies", images.registry_policies)
