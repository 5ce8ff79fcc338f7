"""What each live command calls in AWS, with whose credentials and on which resource: the one table
``ecr-replication permissions`` derives its IAM policies from.

``tests/cli/test_cli_permissions.py`` holds it against every call the CLI's tests make (a call missing from a
command's policy, or a policy granting an action no test saw called, fails that test).

Resource types are the Service Authorization Reference's ("Actions, resources, and condition keys for Amazon
Elastic Container Registry", https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerregistry.html,
and "... for AWS Identity and Access Management", .../list_awsidentityandaccessmanagementiam.html): every ECR
action below that acts on repositories has the resource type ``repository``
(``arn:${Partition}:ecr:${Region}:${Account}:repository/${RepositoryName}``), ``iam:GetRole`` has ``role``
(``arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}``), and ``DescribeRegistry``, ``GetRegistryPolicy``,
``GetRegistryScanningConfiguration``, ``DescribeRepositoryCreationTemplates``, ``DescribePullThroughCacheRules``
and ``ValidatePullThroughCacheRule`` have none, so their statements need ``"Resource": "*"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from replication.ecr_semantics import REPLICATION_ROLE_NAME

NO_PERMISSION_NEEDED = {
    "sts:GetCallerIdentity": "every command calls it to verify each account's credentials before reading that "
                             "account; it needs no permission (STS API reference, GetCallerIdentity: \"No "
                             "permissions are required to perform this operation\")",
}
"""Actions the commands call that no policy needs to grant, and why."""


class Side(Enum):
    """Whose registry a call reads or writes, and so whose credentials make it."""

    SOURCE = "source"
    """The source registry, with the source credentials."""
    DESTINATION = "destination"
    """Every destination registry, with the credentials of its own account: the source's for a destination in the
    source account (cross-region), a destination account's own for the others."""
    CROSS_ACCOUNT = "cross-account destination"
    """Only destination registries in other accounts, with their own account's credentials."""
    SPOKE = "pull-through spoke"
    """Every pull-through spoke registry, with the credentials of its own account: the source's for a spoke in the
    source account, a spoke account's own (given as a destination account's are) for the others."""
    UPSTREAM = "pull-through upstream"
    """Each registry a spoke in another account caches from (the source, or a destination), with its own account's
    credentials: the source's for the source and the destinations in its account."""


class Resource(Enum):
    """What a call acts on, which decides the ``Resource`` of its statement."""

    REGISTRY = "the registry"
    """An action the Service Authorization Reference gives no resource type: ``"Resource": "*"``."""
    REPOSITORY_LIST = "every repository"
    """A ``repository`` action called without naming repositories (``DescribeRepositories`` listing a registry):
    IAM authorizes it on ``repository/*`` of the registry (AWS's AccessDeniedException for such a call names
    ``arn:aws:ecr:<region>:<account>:repository/*``)."""
    REPLICATED = "replicated repositories"
    """The repositories under the replicated prefixes (``repository/<prefix>*``; a rule without filters replicates
    ``repository/*``)."""
    CANARY = "canary repositories"
    """The repositories ``verify`` pushes its canary image to and reads it in (:mod:`replication.cli.canaries`): with
    a stack, their exact names (a rule's first prefix + ``ecr-replication-canary``, or ``--repository NAME``) in each
    registry they replicate to; without one, ``repository/*ecr-replication-canary`` and each ``--repository``."""
    REPLICATION_ROLE = "the replication service-linked role"
    """The source account's replication service-linked role (``ecr_semantics.replication_role_arn``; resource type
    ``role``)."""


@dataclass(frozen=True)
class Call:
    """One AWS action a command calls: on whose registry, on what, and why."""

    command: str
    side: Side
    action: str
    resource: Resource
    why: str


LIVE_COMMANDS = ("check", "status", "verify", "backfill", "import")
"""The commands that call AWS, in the order their help lists them."""

_UNLISTED = ("not in the Service Authorization Reference as read (its ECR page lists no replication backfill "
             "action yet): a registry-level action like the registry's other replication actions, so \"*\"")

CALLS: tuple[Call, ...] = (
    Call("check", Side.SOURCE, "ecr:DescribeRegistry", Resource.REGISTRY, "reads the live replication rules"),
    Call("check", Side.SOURCE, "iam:GetRole", Resource.REPLICATION_ROLE,
         f"checks that the service-linked role {REPLICATION_ROLE_NAME} exists"),
    Call("check", Side.CROSS_ACCOUNT, "ecr:GetRegistryPolicy", Resource.REGISTRY,
         "reads the registry policy that must let the source account replicate"),
    Call("check", Side.UPSTREAM, "ecr:GetRegistryPolicy", Resource.REGISTRY,
         "reads the registry policy that must let each spoke account in another account cache from it"),
    Call("check", Side.SPOKE, "ecr:DescribePullThroughCacheRules", Resource.REGISTRY,
         "reads the spoke's pull-through cache rules"),
    Call("check", Side.SPOKE, "ecr:ValidatePullThroughCacheRule", Resource.REGISTRY,
         "asks ECR to validate each rule that is as declared"),

    Call("status", Side.SOURCE, "ecr:DescribeRegistry", Resource.REGISTRY, "reads the replication rules"),
    Call("status", Side.SOURCE, "ecr:DescribeRepositories", Resource.REPOSITORY_LIST,
         "lists the repositories the rules match (not with --repository)"),
    Call("status", Side.SOURCE, "ecr:DescribeImages", Resource.REPLICATED,
         "finds each repository's latest images, or the one --tag/--digest names"),
    Call("status", Side.SOURCE, "ecr:DescribeImageReplicationStatus", Resource.REPLICATED,
         "asks where each image stands in each destination"),

    Call("verify", Side.SOURCE, "ecr:DescribeRegistry", Resource.REGISTRY, "reads the replication rules"),
    Call("verify", Side.SOURCE, "ecr:DescribeRepositories", Resource.CANARY, "looks for the canary repository"),
    Call("verify", Side.SOURCE, "ecr:CreateRepository", Resource.CANARY,
         "creates the canary repository when it is missing"),
    Call("verify", Side.SOURCE, "ecr:BatchCheckLayerAvailability", Resource.CANARY,
         "pushes the canary image: which blobs ECR has"),
    Call("verify", Side.SOURCE, "ecr:InitiateLayerUpload", Resource.CANARY, "pushes the canary image: a blob"),
    Call("verify", Side.SOURCE, "ecr:UploadLayerPart", Resource.CANARY, "pushes the canary image: a blob's bytes"),
    Call("verify", Side.SOURCE, "ecr:CompleteLayerUpload", Resource.CANARY, "pushes the canary image: a blob's end"),
    Call("verify", Side.SOURCE, "ecr:PutImage", Resource.CANARY, "pushes the canary image: its manifest and tag"),
    Call("verify", Side.SOURCE, "ecr:DescribeImageReplicationStatus", Resource.CANARY,
         "follows the canary's replication to each destination"),
    Call("verify", Side.SOURCE, "ecr:BatchDeleteImage", Resource.CANARY,
         "deletes the canary image at the end (not with --keep)"),
    Call("verify", Side.DESTINATION, "ecr:DescribeRepositories", Resource.CANARY,
         "whether the canary repository was there before the push, and its settings"),
    Call("verify", Side.DESTINATION, "ecr:DescribeImages", Resource.CANARY, "looks for the canary image"),
    Call("verify", Side.DESTINATION, "ecr:BatchDeleteImage", Resource.CANARY,
         "deletes the canary image at the end (not with --keep)"),
    Call("verify", Side.DESTINATION, "ecr:ListTagsForResource", Resource.CANARY,
         "compares the repository's tags with the plan"),
    Call("verify", Side.DESTINATION, "ecr:BatchGetRepositoryScanningConfiguration", Resource.CANARY,
         "compares scan on push with the plan"),
    Call("verify", Side.DESTINATION, "ecr:GetLifecyclePolicy", Resource.CANARY,
         "compares the lifecycle policy with the plan"),
    Call("verify", Side.DESTINATION, "ecr:GetRepositoryPolicy", Resource.CANARY,
         "compares the repository policy with the plan"),

    Call("backfill", Side.SOURCE, "ecr:DescribeRegistry", Resource.REGISTRY, "reads the replication rules"),
    Call("backfill", Side.SOURCE, "ecr:ListReplicationBackfills", Resource.REGISTRY,
         f"finds running backfills and follows their progress; {_UNLISTED}"),
    Call("backfill", Side.SOURCE, "ecr:StartReplicationBackfill", Resource.REGISTRY,
         f"starts a backfill per destination; {_UNLISTED}"),
    Call("backfill", Side.SOURCE, "ecr:DescribeReplicationBackfillResults", Resource.REGISTRY,
         f"reads each backfill's per-image results; {_UNLISTED}"),
    Call("backfill", Side.SOURCE, "ecr:StopReplicationBackfill", Resource.REGISTRY,
         f"stops running backfills after Ctrl-C, when you confirm it; {_UNLISTED}"),
    Call("backfill", Side.SOURCE, "ecr:DescribeRepositories", Resource.REPOSITORY_LIST,
         "--dry-run: lists the repositories the rules match"),
    Call("backfill", Side.SOURCE, "ecr:ListImages", Resource.REPLICATED, "--dry-run: counts their images"),

    Call("import", Side.SOURCE, "ecr:DescribeRegistry", Resource.REGISTRY, "reads the replication rules"),
    Call("import", Side.CROSS_ACCOUNT, "ecr:GetRegistryPolicy", Resource.REGISTRY,
         "reads the registry policy to adopt"),
    Call("import", Side.DESTINATION, "ecr:DescribeRepositoryCreationTemplates", Resource.REGISTRY,
         "reads the creation templates to adopt"),
    Call("import", Side.DESTINATION, "ecr:GetRegistryScanningConfiguration", Resource.REGISTRY,
         "reads the registry scanning configuration to adopt"),
    Call("import", Side.SPOKE, "ecr:DescribePullThroughCacheRules", Resource.REGISTRY,
         "--spoke: reads the pull-through cache rules to adopt"),
    Call("import", Side.SPOKE, "ecr:DescribeRepositoryCreationTemplates", Resource.REGISTRY,
         "--spoke: reads the creation templates to adopt"),
    Call("import", Side.SPOKE, "ecr:GetRegistryScanningConfiguration", Resource.REGISTRY,
         "--spoke: reads the registry scanning configuration to adopt"),
    Call("import", Side.UPSTREAM, "ecr:GetRegistryPolicy", Resource.REGISTRY,
         "--spoke: reads the registry policy that holds the grant of a spoke in another account"),
)
"""Every AWS action each live command calls (``sts:GetCallerIdentity`` aside: :data:`NO_PERMISSION_NEEDED`)."""


def calls_of(command: str) -> tuple[Call, ...]:
    """The rows of ``command`` (one of :data:`LIVE_COMMANDS`), in table order."""
    return tuple(call for call in CALLS if call.command == command)
