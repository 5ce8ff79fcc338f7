"""Region names checked against the regions botocore's endpoint data lists for ECR, in every partition."""

import difflib
import json
from functools import cache
from importlib import resources

import botocore


@cache
def ecr_regions() -> frozenset[str]:
    """Every region ECR serves in every partition (aws, aws-cn, aws-us-gov, the ISO partitions, ...), as far as
    the installed botocore's ``endpoints.json`` knows.

    The same set as botocore's ``Session.get_available_regions("ecr", partition)`` over every partition (a test
    holds them equal), read from the data file directly: importing ``botocore.session`` would cost every program
    and every CLI start about 120 ms.
    """
    endpoints = json.loads((resources.files(botocore) / "data" / "endpoints.json").read_text(encoding="utf-8"))
    return frozenset(
        region
        for partition in endpoints["partitions"]
        for region in partition.get("services", {}).get("api.ecr", {}).get("endpoints", {})
        if region in partition["regions"]
    )


def unknown_region_problem(region: str) -> str | None:
    """``None`` for a region ECR serves; otherwise what is wrong, the closest known region, and what to do when
    the region is newer than the installed botocore."""
    known = ecr_regions()
    if region in known:
        return None
    closest = difflib.get_close_matches(region, sorted(known), n=1)
    suggestion = f"did you mean {closest[0]!r}? " if closest else ""
    return (
        f"botocore {botocore.__version__} knows no ECR region of this name; {suggestion}"
        "if the region is newer than the installed botocore, upgrade it (pip install --upgrade boto3 botocore)"
    )
