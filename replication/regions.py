"""Region names checked against the regions botocore's endpoint data lists for ECR, in every partition."""

import difflib
from functools import cache

import botocore
import botocore.session


@cache
def ecr_regions() -> frozenset[str]:
    """Every region ECR serves in every partition (aws, aws-cn, aws-us-gov, the ISO partitions, ...), as far as
    the installed botocore's ``endpoints.json`` knows."""
    session = botocore.session.get_session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("ecr", partition_name=partition)
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
