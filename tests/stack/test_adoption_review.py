"""The safety net of ``ecr-replication import``: a program's declarations compared with live state resource by
resource (``replication.stack.adoption_review``). Pulumi 3.174.0 and later import and then update a resource whose
inputs differ (pulumi/pulumi#19339), so anything the update would remove must be caught here."""

from __future__ import annotations

import json
from typing import Any

from replication import ReplicationDestinationArgs
from replication.ecr_semantics import Registry
from replication.preview.runner import OfflineRun
from replication.stack.adoption_review import review
from replication.stack.importer import LiveRegistry, LiveSetup
from tests.conftest import DEST_ACCOUNT, SOURCE_ACCOUNT, THIRD_ACCOUNT, destination_provider, replicate_from_source

SOURCE, WEST = Registry(SOURCE_ACCOUNT, "us-east-1"), Registry(DEST_ACCOUNT, "us-west-2")
OTHER = {"Sid": "Other", "Effect": "Allow", "Principal": {"AWS": THIRD_ACCOUNT}, "Action": "ecr:ReplicateImage",
         "Resource": WEST.repository_arn("team-c/*")}
LIVE_RULES = ({"destinations": [WEST.as_api()], "repositoryFilters": [{"filter": "prod/", "filterType": "PREFIX_MATCH"}]},)
SCAN_PROD: dict[str, Any] = {"scanType": "BASIC", "rules": [
    {"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "prod/*", "filterType": "WILDCARD"}]}]}


def declared(adopt: bool = True, prefixes: tuple[str, ...] = ("prod/",), **destination: Any) -> OfflineRun:
    """The component replicating `prefixes` to WEST, declared under mocks."""
    return replicate_from_source(
        lambda src: [ReplicationDestinationArgs(provider=destination_provider(), account_id=DEST_ACCOUNT,
                                                regions=["us-west-2"], **destination)],
        source_account_id=SOURCE_ACCOUNT, source_region="us-east-1", repository_prefixes=list(prefixes),
        adopt_existing=adopt)


def live(policy: str | None, templates: tuple[dict[str, Any], ...] = (), scanning: dict[str, Any] | None = None,
         rules: tuple[dict[str, Any], ...] = LIVE_RULES) -> LiveSetup:
    registry = LiveRegistry(WEST, policy, templates, scanning or {"scanType": "BASIC", "rules": []})
    return LiveSetup(SOURCE, rules, (registry,))


def policy_of(run: OfflineRun) -> str:
    [resource] = run.of_type("aws:ecr/registryPolicy:RegistryPolicy")
    return str(resource.inputs["policy"])


def with_statement(document: str, statement: dict[str, Any]) -> str:
    parsed = json.loads(document)
    return json.dumps({**parsed, "Statement": [*parsed["Statement"], statement]})


def test_the_very_documents_live_are_adopted_as_is() -> None:
    run = declared()
    result = review(live(policy_of(run)), run)
    assert result.removals == []
    assert [(o.what, o.import_id, o.outcome) for o in result.outcomes] == [
        (f"replication configuration {SOURCE}", f"{SOURCE_ACCOUNT}@us-east-1", "adopted as is"),
        (f"registry policy {WEST}", f"{DEST_ACCOUNT}@us-west-2", "adopted as is"),
    ]


def test_a_live_statement_the_program_leaves_out_is_a_removal() -> None:
    run = declared()
    result = review(live(with_statement(policy_of(run), OTHER)), run)
    assert result.removals == [f"registry policy {WEST}: the stack would remove live statement(s) Other"]


def test_other_replication_is_a_removal() -> None:
    run = declared(prefixes=("prod/", "shared/"))
    result = review(live(policy_of(run)), run)
    assert result.removals == [f"replication configuration {SOURCE}: with the stack, {WEST} also receives 'shared/' "
                               "(against live)"]


def test_a_changed_template_setting_is_a_removal_and_a_description_a_rewrite() -> None:
    run = declared(repository_settings={"image_tag_mutability": "MUTABLE", "encryption_type": "AES256"})
    template = {"prefix": "prod", "appliedFor": ["REPLICATION"], "imageTagMutability": "IMMUTABLE",
                "encryptionConfiguration": {"encryptionType": "AES256"}, "description": "by hand"}
    assert review(live(policy_of(run), (template,)), run).removals == [
        f"creation template prod in {WEST}: the stack would change image_tag_mutability: 'IMMUTABLE' -> 'MUTABLE'"]
    outcomes = review(live(policy_of(run), ({**template, "imageTagMutability": "MUTABLE"},)), run).outcomes
    assert [o.outcome for o in outcomes if o.what.startswith("creation template")] == [
        "rewritten: description 'by hand' -> 'Settings of repositories that replication creates under prod'"]


def test_scanning_replaced_is_a_removal() -> None:
    run = declared(repository_settings={"scan_on_push": True})
    enhanced = {"scanType": "ENHANCED", "rules": [{"scanFrequency": "CONTINUOUS_SCAN",
                                                   "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]}]}
    assert review(live(policy_of(run), scanning=enhanced), run).removals == [
        f"scanning configuration {WEST}: the stack would change ENHANCED CONTINUOUS_SCAN * to BASIC SCAN_ON_PUSH prod/*"]
    assert review(live(policy_of(run), scanning=SCAN_PROD), run).removals == []


def test_importing_what_does_not_exist_or_creating_what_does_is_a_removal() -> None:
    """A template the stack would import that isn't live fails the `up` half-way; a registry policy created
    without import overwrites the live one unseen."""
    run = declared(repository_settings={"image_tag_mutability": "IMMUTABLE"})
    assert review(live(policy_of(run)), run).removals == [
        f"creation template prod in {WEST} doesn't exist, and the stack would import it (prod@us-west-2)"]
    not_adopting = declared(adopt=False)
    assert review(live(policy_of(not_adopting)), not_adopting).removals == [
        f"replication configuration {SOURCE} exists, and the stack would create it over the live one (it has no "
        "import id: set ecr-replication:adopt)",
        f"registry policy {WEST} exists, and the stack would create it over the live one (it has no import id: set "
        "ecr-replication:adopt)",
    ]


def test_the_review_does_not_depend_on_the_order_resources_registered_in() -> None:
    """The Pulumi SDK registers resources from a thread pool, so one program's registrations come in another order
    from run to run (and `import` printed its registry policy lines in another order); the review is by type, then
    name, whatever the order."""
    run = replicate_from_source(
        lambda src: [ReplicationDestinationArgs(provider=destination_provider(), account_id=DEST_ACCOUNT,
                                                regions=["us-west-2", "eu-west-1"])],
        source_account_id=SOURCE_ACCOUNT, source_region="us-east-1", repository_prefixes=["prod/"],
        adopt_existing=True, repository_settings={"scan_on_push": True})
    [configuration] = run.of_type("aws:ecr/replicationConfiguration:ReplicationConfiguration")
    policies = {str(r.inputs["region"]): str(r.inputs["policy"]) for r in run.of_type("aws:ecr/registryPolicy:RegistryPolicy")}
    setup = LiveSetup(SOURCE, tuple(configuration.inputs["replicationConfiguration"]["rules"]), tuple(
        LiveRegistry(Registry(DEST_ACCOUNT, region), policy, (), SCAN_PROD) for region, policy in policies.items()))
    reviews = [review(setup, OfflineRun(resources, run.result, run.exports))
               for resources in (run.resources, run.resources[::-1], run.resources[1::2] + run.resources[::2])]
    assert reviews[0] == reviews[1] == reviews[2]
    assert reviews[0].removals == []
    assert [o.what for o in reviews[0].outcomes] == [
        f"replication configuration {SOURCE}",
        f"registry policy {DEST_ACCOUNT}/eu-west-1",
        f"registry policy {DEST_ACCOUNT}/us-west-2",
        f"scanning configuration {DEST_ACCOUNT}/eu-west-1",
        f"scanning configuration {DEST_ACCOUNT}/us-west-2",
    ]


def declared_spoke(spoke_account: str, region: str, upstream: Registry) -> OfflineRun:
    """The component replicating ``prod/`` to WEST, with one spoke (``spoke_account``/``region``) caching it from
    ``upstream``, adopting; a spoke in the source account goes through the source's provider."""
    from replication import EcrReplication, EcrReplicationArgs, PullThroughDestinationArgs
    from replication.preview.runner import run_offline
    from tests.conftest import account_provider

    def program() -> None:
        src = account_provider("source", SOURCE_ACCOUNT, "us-east-1")
        spoke = src if spoke_account == SOURCE_ACCOUNT else account_provider("spoke", spoke_account, region)
        EcrReplication("images", EcrReplicationArgs(
            source_provider=src, source_account_id=SOURCE_ACCOUNT, source_region="us-east-1",
            destinations=[ReplicationDestinationArgs(provider=destination_provider(), account_id=DEST_ACCOUNT,
                                                     regions=["us-west-2"])],
            repository_prefixes=["prod/"], adopt_existing=True,
            pull_through_destinations=[PullThroughDestinationArgs(provider=spoke, account_id=spoke_account,
                                                                  regions=[region], upstream=str(upstream))]))

    return run_offline(program)


def reviewed_spoke(run: OfflineRun, spoke: Registry, rule: dict[str, Any]) -> Any:
    """The review of ``run`` against WEST as declared and ``spoke`` holding ``rule``."""
    registry = LiveRegistry(WEST, policy_of(run), (), {"scanType": "BASIC", "rules": []})
    return review(LiveSetup(SOURCE, LIVE_RULES, (registry,), (LiveRegistry(spoke, None, (), {}, (rule,)),)), run)


def spoke_rule(account: str, upstream: Registry = WEST, **fields: Any) -> dict[str, Any]:
    return {"ecrRepositoryPrefix": "prod", "upstreamRegistryUrl": upstream.host, "upstreamRepositoryPrefix": "prod",
            "registryId": account, **fields}


def test_a_spoke_rule_whose_upstream_changes_is_a_removal_and_one_without_a_role_gets_the_stacks() -> None:
    """pulumi-aws replaces a rule whose upstream or upstream prefix changes (ForceNew in its schema), deleting the
    live one: a removal. A cross-account rule is rewritten to name the role the stack creates."""
    spoke = Registry(THIRD_ACCOUNT, "ap-south-1")
    run = declared_spoke(THIRD_ACCOUNT, "ap-south-1", WEST)
    what = f"pull-through cache rule prod in {spoke}"
    result = reviewed_spoke(run, spoke, spoke_rule(THIRD_ACCOUNT, upstreamRepositoryPrefix="ROOT"))
    assert result.removals == [f"{what}: the stack would replace the rule (upstream prefix 'ROOT' -> 'prod')"]
    result = reviewed_spoke(run, spoke, spoke_rule(THIRD_ACCOUNT))
    [outcome] = [o for o in result.outcomes if o.what == what]
    assert outcome.import_id == "prod@ap-south-1"
    assert outcome.outcome.startswith(f"rewritten: names the role the stack creates in account {THIRD_ACCOUNT} (")
    assert outcome.outcome.endswith(") instead of none")


def test_a_role_on_a_same_account_spoke_rule_would_be_taken_off() -> None:
    """In its upstream's account a spoke's rule names no role (ECR's service-linked role), and an update can't take a
    role off (UpdatePullThroughCacheRule takes a role or a secret)."""
    spoke = Registry(SOURCE_ACCOUNT, "eu-west-1")
    run = declared_spoke(SOURCE_ACCOUNT, "eu-west-1", SOURCE)
    result = reviewed_spoke(run, spoke, spoke_rule(SOURCE_ACCOUNT, SOURCE, customRoleArn="arn:aws:iam::x:role/r"))
    assert result.removals == [f"pull-through cache rule prod in {spoke}: the stack would take its role "
                               "arn:aws:iam::x:role/r off, which UpdatePullThroughCacheRule refuses (it takes a role "
                               "or a secret: pulumi/pulumi-aws#5714)"]
    assert [o.outcome for o in reviewed_spoke(run, spoke, spoke_rule(SOURCE_ACCOUNT, SOURCE)).outcomes
            if o.what.startswith("pull-through")] == ["adopted as is"]


def written_otherwise(statement: dict[str, Any]) -> dict[str, Any]:
    """``statement`` as another hand (or the console) may write it: a one-item list as its string, a longer list
    reversed, a principal's string as a one-item list, keys in another order."""
    def element(value: Any) -> Any:
        if isinstance(value, list):
            return value[0] if len(value) == 1 else value[::-1]
        if isinstance(value, dict):
            return {kind: element(v) if isinstance(v, list) else [v] for kind, v in value.items()}
        return value
    return {key: element(statement[key]) for key in reversed(list(statement))}


def policy_outcome(live_policy: str, run: OfflineRun) -> tuple[list[str], list[str]]:
    """The registry policy's removals and outcome, against ``live_policy`` (the replication read as declared)."""
    [configuration] = run.of_type("aws:ecr/replicationConfiguration:ReplicationConfiguration")
    result = review(live(live_policy, rules=tuple(configuration.inputs["replicationConfiguration"]["rules"])), run)
    assert [r for r in result.removals if not r.startswith("registry policy")] == []
    return result.removals, [o.outcome for o in result.outcomes if o.what.startswith("registry policy")]


def test_a_statement_written_otherwise_is_the_same_statement() -> None:
    """The review's case: the component's statement live with `"Resource": "arn…/prod/*"` (a string, not a one-item
    list) was "the stack would remove live statement(s) AllowEcrReplicationFromSourceAccount". IAM reads a string
    and a one-element list alike, and list entries in any order (IAM JSON policy reference, "Policy grammar");
    so does pulumi-aws's diff of registry policies (verify.SuppressEquivalentPolicyDiffs), which doesn't write it
    again: adopted as is, saying how the live text differs."""
    run = declared(prefixes=("prod/", "team/"))
    document = json.loads(policy_of(run))
    [component] = document["Statement"]
    assert isinstance(component["Resource"], list) and len(component["Action"]) == 2  # what is written otherwise
    live_policy = json.dumps({**document, "Statement": [written_otherwise(component)]})
    assert policy_outcome(live_policy, run) == ([], [
        "adopted as is (the live text writes statement(s) AllowEcrReplicationFromSourceAccount otherwise: the same "
        "policy to IAM and to pulumi-aws, which doesn't write it again)"])


def test_statements_in_another_order_are_the_same_policy() -> None:
    run = declared(registry_policy_statements=[OTHER])
    document = json.loads(policy_of(run))
    live_policy = json.dumps({**document, "Statement": document["Statement"][::-1]})
    assert policy_outcome(live_policy, run) == ([], [
        "adopted as is (the live text orders the statements otherwise: the same policy to IAM and to pulumi-aws, "
        "which doesn't write it again)"])


def test_an_account_id_principal_is_the_account_s_root() -> None:
    """IAM JSON policy reference, "Principal": an account id stands for arn:aws:iam::<id>:root."""
    run = declared()
    document = json.loads(policy_of(run))
    [component] = document["Statement"]
    live_policy = json.dumps({**document, "Statement": [{**component, "Principal": {"AWS": SOURCE_ACCOUNT}}]})
    removals, outcomes = policy_outcome(live_policy, run)
    assert removals == [] and outcomes[0].startswith("adopted as is (the live text writes statement(s) "
                                                     "AllowEcrReplicationFromSourceAccount otherwise")


def test_what_means_something_else_is_still_a_removal() -> None:
    """Written otherwise and meaning less (one prefix of two), or naming another principal, or with its Sid gone:
    no declared statement has its form."""
    run = declared(prefixes=("prod/", "team/"))
    document = json.loads(policy_of(run))
    [component] = document["Statement"]
    narrower = {**component, "Resource": component["Resource"][0]}
    other_principal = {**component, "Principal": {"AWS": [f"arn:aws:iam::{THIRD_ACCOUNT}:root"]}}
    unnamed = {key: value for key, value in component.items() if key != "Sid"}
    for statement, label in ((narrower, "AllowEcrReplicationFromSourceAccount"),
                             (other_principal, "AllowEcrReplicationFromSourceAccount"), (unnamed, "#1")):
        removals, _ = policy_outcome(json.dumps({**document, "Statement": [statement]}), run)
        assert removals == [f"registry policy {WEST}: the stack would remove live statement(s) {label}"]


def test_a_condition_s_values_in_another_order_are_the_same() -> None:
    condition = {"StringEquals": {"aws:PrincipalOrgID": ["o-aaaaaaaaaa", "o-bbbbbbbbbb"]}}
    grant = {**OTHER, "Condition": condition}
    run = declared(registry_policy_statements=[grant])
    document = json.loads(policy_of(run))
    reordered = {**grant, "Condition": {"StringEquals": {"aws:PrincipalOrgID": ["o-bbbbbbbbbb", "o-aaaaaaaaaa"]}}}
    live_policy = json.dumps({**document, "Statement": [document["Statement"][0], reordered]})
    removals, outcomes = policy_outcome(live_policy, run)
    assert removals == [] and outcomes[0].startswith("adopted as is (the live text writes statement(s) Other otherwise")
    narrower = {**grant, "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-aaaaaaaaaa"}}}
    removals, _ = policy_outcome(json.dumps({**document, "Statement": [document["Statement"][0], narrower]}), run)
    assert removals == [f"registry policy {WEST}: the stack would remove live statement(s) Other"]


def test_a_live_id_the_stack_drops_is_a_rewrite() -> None:
    """pulumi-aws compares the policy's Id too, so the update writes the declared policy, without it."""
    run = declared()
    live_policy = json.dumps({**json.loads(policy_of(run)), "Id": "handmade"})
    assert policy_outcome(live_policy, run) == ([], ["rewritten: Id handmade -> (none); keeps the 1 live statement(s)"])


def test_another_service_principal_is_another_statement() -> None:
    """Principal kinds besides AWS are compared by their entries too, not only by kind."""
    deny = {"Sid": "NoOthers", "Effect": "Deny", "Principal": {"Service": ["a.amazonaws.com", "b.amazonaws.com"]},
            "Action": "ecr:*", "Resource": WEST.repository_arn("*")}
    run = declared(registry_policy_statements=[deny])
    document = json.loads(policy_of(run))
    swapped = {**deny, "Principal": {"Service": ["b.amazonaws.com", "a.amazonaws.com"]}}
    removals, outcomes = policy_outcome(json.dumps({**document, "Statement": [document["Statement"][0], swapped]}), run)
    assert removals == [] and outcomes[0].startswith("adopted as is")
    other = {**deny, "Principal": {"Service": ["a.amazonaws.com", "c.amazonaws.com"]}}
    removals, _ = policy_outcome(json.dumps({**document, "Statement": [document["Statement"][0], other]}), run)
    assert removals == [f"registry policy {WEST}: the stack would remove live statement(s) NoOthers"]
