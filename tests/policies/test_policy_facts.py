"""The pack repeats AWS's limits instead of importing `replication` (a published pack can't install it):
they must stay the same as the component's."""

import pytest

from policies.ecr_guardrails import aws_facts
import replication.limits as component_limits

SHARED_FACTS = ["MAX_UNIQUE_DESTINATIONS", "MAX_RULES", "MAX_FILTERS_PER_RULE", "FILTER_MIN_LENGTH",
                "FILTER_MAX_LENGTH", "FILTER_PATTERN", "ACCOUNT_ID_PATTERN", "REGION_PATTERN",
                "MAX_REGISTRY_POLICY_CHARS", "REPLICATION_ACTIONS"]


@pytest.mark.parametrize("name", SHARED_FACTS)
def test_the_pack_and_the_component_agree(name: str) -> None:
    ours, theirs = getattr(aws_facts, name), getattr(component_limits, name)
    if hasattr(ours, "pattern"):
        ours, theirs = ours.pattern, theirs.pattern
    assert ours == theirs
