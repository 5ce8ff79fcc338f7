"""Declaring a policy from a check: a check only yields its problems; reporting them, reading the stack
once and the config schema are done here, the same way for every policy."""

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Optional

from pulumi_policy import (EnforcementLevel, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy,
                           StackValidationArgs, StackValidationPolicy)

from .policy_config import PolicyOption, check_settings, config_schema
from .stack_index import StackIndex

ResourceCheck = Callable[[ResourceValidationArgs], Iterable[str]]
"""Yields a message for each problem of one resource."""

StackCheck = Callable[[StackValidationArgs, StackIndex], Iterable[tuple[str, str]]]
"""Yields a message and the URN of the resource it concerns for each problem of a stack."""


def resource_policy(name: str, description: str, level: EnforcementLevel, check: ResourceCheck,
                    resource_type: Optional[str] = None,
                    options: Sequence[PolicyOption[Any]] = ()) -> ResourceValidationPolicy:
    """A policy that runs `check` on each resource (of `resource_type`, or of every type when `None`)."""

    settings = frozenset(option.key for option in options)

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        """Report each problem `check` finds in a resource of the policy's type."""
        check_settings(name, settings, args)
        if resource_type is None or args.resource_type == resource_type:
            for message in check(args):
                report_violation(message, None)

    return ResourceValidationPolicy(name=name, description=description, enforcement_level=level, validate=validate,
                                    config_schema=config_schema(options) if options else None)


def stack_policy(name: str, description: str, level: EnforcementLevel, check: StackCheck,
                 options: Sequence[PolicyOption[Any]] = ()) -> StackValidationPolicy:
    """A policy that runs `check` once on the whole stack, indexed in one pass."""

    settings = frozenset(option.key for option in options)

    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        """Report each problem `check` finds in the stack, on the resource it concerns."""
        check_settings(name, settings, args)
        for message, urn in check(args, StackIndex(args.resources)):
            report_violation(message, urn)

    return StackValidationPolicy(name=name, description=description, enforcement_level=level, validate=validate,
                                 config_schema=config_schema(options) if options else None)
