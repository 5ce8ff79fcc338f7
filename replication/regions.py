"""Region names checked against the regions botocore's endpoint data lists for ECR, in every partition."""

import difflib
import json
import os
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


SIMILAR_ENOUGH = 0.6
"""The least similarity (``difflib.SequenceMatcher.ratio``, its ``get_close_matches`` default) a suggestion needs."""


def closest_regions(region: str) -> list[str]:
    """The known ECR regions a misspelled ``region`` most likely means: those most similar to it, and among equally
    similar ones those sharing the longest start with it (``us-est-1`` is as close to ``us-west-1`` as to
    ``us-east-1``, but starts like ``us-east-1``); several when they still tie (``us-west-3``: ``us-west-1`` and
    ``us-west-2``)."""
    scored = [(difflib.SequenceMatcher(None, region, known).ratio(), known) for known in sorted(ecr_regions())]
    best = max((score for score, _ in scored), default=0.0)
    if best < SIMILAR_ENOUGH:
        return []
    tied = [known for score, known in scored if score == best]
    shared = {known: len(os.path.commonprefix([region, known])) for known in tied}
    return [known for known in tied if shared[known] == max(shared.values())]


def unknown_region_problem(region: str) -> str | None:
    """``None`` for a region ECR serves; otherwise what is wrong, the closest known regions, and what to do when
    the region is newer than the installed botocore."""
    if region in ecr_regions():
        return None
    closest = [repr(known) for known in closest_regions(region)]
    either = closest[0] if len(closest) == 1 else f"{', '.join(closest[:-1])} or {closest[-1]}" if closest else ""
    suggestion = f"did you mean {either}? " if closest else ""
    return (
        f"botocore {botocore.__version__} knows no ECR region of this name; {suggestion}"
        "if the region is newer than the installed botocore, upgrade it (pip install --upgrade boto3 botocore)"
    )
