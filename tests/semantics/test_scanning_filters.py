"""Registry scanning filters as the ECR user guide says they match ("Filters to choose which repositories are
scanned in Amazon ECR"), the one matcher ``verify`` (does it scan this repository) and the policy pack (does it
scan every repository under this replicated prefix) both use."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from replication.ecr_semantics import scanning_filter_covers, scanning_filter_matches

GUIDE_NAMES = ["prod", "repo-prod", "prod-repo", "repo-prod-repo", "prodrepo"]
"""The repository names across the top of the guide's table."""


@pytest.mark.parametrize(("scanning_filter", "matched"), [
    ("prod", [True, True, True, True, True]), ("*prod", [True, True, False, False, False]),
    ("prod*", [True, False, True, False, True]), ("*prod*", [True, True, True, True, True]),
    ("prod*repo", [False, False, True, False, True])])
def test_filters_match_as_the_user_guide_table_says(scanning_filter: str, matched: list[bool]) -> None:
    """Each row of the guide's table: a filter without a wildcard matches every name that contains it."""
    assert [scanning_filter_matches(scanning_filter, name) for name in GUIDE_NAMES] == matched


@pytest.mark.parametrize(("scanning_filter", "prefix", "covered"), [
    ("prod/*", "prod/", True), ("prod*", "prod/", True), ("*", "", True), ("*", "prod/", True),
    ("prod", "prod/", True), ("rod", "prod/", True), ("prod", "team-prod-", True),
    ("prod/api*", "prod/", False), ("prod", "", False), ("*prod", "prod/", False), ("*prod", "team-prod", False),
    ("prod*repo", "prod", False),
    ("*prod*", "prod/", True), ("*prod*", "team/", False)])
def test_a_filter_covers_a_prefix_when_it_matches_every_name_under_it(scanning_filter: str, prefix: str,
                                                                       covered: bool) -> None:
    """`prod` (no wildcard) scans every repository under `prod/`, which contain it; `*prod` only names ending so."""
    assert scanning_filter_covers(scanning_filter, prefix) == covered


# Coverage against brute force: every continuation of a prefix over a small alphabet. The continuations use a
# character no filter has ("c"), so a filter that doesn't cover a prefix is shown wrong by one of them.
FILTER_ALPHABET = "ab/*"
CONTINUATIONS = ["".join(chars) for n in range(4) for chars in itertools.product("abc/", repeat=n)]


@given(st.text(alphabet=FILTER_ALPHABET, min_size=1, max_size=6), st.text(alphabet="ab/", max_size=4))
def test_a_filter_covers_a_prefix_exactly_when_it_matches_every_continuation(scanning_filter: str, prefix: str) -> None:
    every = all(scanning_filter_matches(scanning_filter, prefix + rest) for rest in CONTINUATIONS)
    assert scanning_filter_covers(scanning_filter, prefix) == every
