"""`*` wildcards as IAM actions and ECR scanning filters use them."""

import re
from functools import lru_cache


@lru_cache(maxsize=1024)
def _wildcard_regex(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.compile(body, re.IGNORECASE if ignore_case else 0)


def wildcard_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """Whether `value` matches `pattern` in full, where `*` matches any run of characters."""
    return _wildcard_regex(pattern, ignore_case).fullmatch(value) is not None


def covers_prefix(pattern: str, prefix: str) -> bool:
    """Whether the wildcard `pattern` matches every repository name that starts with `prefix`.

    That holds exactly when the pattern ends with `*` and matches the prefix itself: `prod/*` covers
    `prod/` and `prod/api`, but not `prod` (which also starts `prod-api`); `*` covers every prefix.
    """
    return pattern.endswith("*") and wildcard_match(pattern, prefix)
