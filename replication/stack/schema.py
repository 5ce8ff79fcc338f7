"""The example stack's configuration keys, declared once: what the reader accepts, what a writer may write.

:data:`STACK_KEYS` is the whole ``ecr-replication:`` namespace of ``Pulumi.<stack>.yaml`` as a tree of
:class:`Key`: each key's name in the config's own (camelCase) spelling, its :class:`ValueType`, whether it is
required, whether it may be a secret (``pulumi config set --secret --path``), and a description. The reader
(:mod:`replication.stack.config`) walks this tree; a writer producing the same config (``ecr-replication
import``) walks it too, and the table in docs/configuration.md is rendered from it (``python -m replication.stack.schema``).

Each key also says which EcrReplication argument it becomes (:attr:`Key.arg`), so that the component's errors,
which name argument paths (``destinations[0].repository_settings.keep_last_images``), can be told in config
keys (``ecr-replication:destinations[0].repositorySettings.keepLastImages``). The repository settings are the
component's ``RepositorySettingsArgs`` fields in camelCase, read from that ``TypedDict``: the component owns
them and validates their values.

Hand-written rather than JSON Schema: the messages must name keys in config spelling, suggest the closest key
and keep secrets out, which a generic validator's messages don't.
"""

from __future__ import annotations

import ast
import difflib
import inspect
import re
import textwrap
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum

from replication.args import RepositorySettingsArgs
from replication.preview.stack_files import property_path

NAMESPACE = "ecr-replication"
"""The config namespace: the project name in ``Pulumi.yaml``, the part of each key before ``:``."""


class ValueType(Enum):
    """What a key holds, as YAML spells it."""

    STRING = "string"
    ACCOUNT_ID = "account id"
    REGION = "region"
    BOOLEAN = "boolean"
    INTEGER = "whole number"
    LIST = "list"
    MAP = "map"
    OBJECT = "object"
    STATEMENT = "IAM policy statement"
    """An object in IAM's JSON policy grammar (``Sid``, ``Effect``, ``Principal``, ...): the component checks it."""


@dataclass(frozen=True)
class Key:
    """One config key (or the element of a list: ``name`` empty)."""

    name: str
    """The key in the config's spelling (``repositoryPrefixes``)."""
    type: ValueType
    description: str
    required: bool = False
    """The key must be present (a required list must not be empty)."""
    secret: bool = False
    """The value may be encrypted in the stack file (``{secure: v1:…}``)."""
    items: Key | None = None
    """The element of a list, the value of a map."""
    fields: tuple[Key, ...] = ()
    """The keys of an object."""
    arg: str | None = None
    """The EcrReplication argument this key becomes, relative to the argument of the enclosing key (``None``:
    none, the example program uses it itself). ``""`` for an object whose fields are arguments of the
    enclosing scope (``source``: ``source.accountId`` is ``source_account_id``)."""
    whole_args: tuple[str, ...] = ()
    """Arguments made from the key as a whole (the aws provider built from ``source``), relative like ``arg``."""
    if_null: str | None = None
    """The problem when the key is there with no value (``repositoryPrefixes:`` whose items were all commented
    out) and absence would widen what the stack does; ``None``: no value counts as absent."""

    def field(self, name: str) -> Key | None:
        """The field called ``name`` of an object key."""
        return next((f for f in self.fields if f.name == name), None)

    @property
    def type_text(self) -> str:
        """The type as docs/configuration.md says it: ``list of regions``, ``map of strings``, ``account id``."""
        if self.items is not None:
            element = "objects" if self.items.type is ValueType.OBJECT else f"{self.items.type.value}s"
            return f"{self.type.value} of {element}"
        return self.type.value


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() for part in rest)


_SNAKE_WORD = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def translate_names(text: str, names: typing.Mapping[str, str]) -> str:
    """``text`` with the argument names it mentions (``kms_key``) spelled as config keys (``kmsKey``, from
    ``names``), and Python's ``True``/``False`` as YAML's ``true``/``false``."""
    text = re.sub(r"\bTrue\b", "true", re.sub(r"\bFalse\b", "false", text))
    return _SNAKE_WORD.sub(lambda m: names.get(m.group(), m.group()), text)


_PYTHON_TYPES: dict[object, tuple[ValueType, ValueType | None]] = {
    str: (ValueType.STRING, None),
    bool: (ValueType.BOOLEAN, None),
    int: (ValueType.INTEGER, None),
    list[str]: (ValueType.LIST, ValueType.STRING),
    dict[str, str]: (ValueType.MAP, ValueType.STRING),
}
"""The hints of ``RepositorySettingsArgs`` fields and the config types they are."""


def _field_docs(cls: type) -> dict[str, str]:
    """The docstring under each field of a class (``name: T`` followed by a string), whitespace folded; none
    when the source isn't installed (descriptions are for people, the reader doesn't need them)."""
    try:
        source = inspect.getsource(cls)
    except OSError:
        return {}
    body = ast.parse(textwrap.dedent(source)).body[0].body  # type: ignore[attr-defined]
    return {
        node.target.id: " ".join(following.value.value.split())
        for node, following in zip(body, body[1:])
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and isinstance(following, ast.Expr)
        and isinstance(following.value, ast.Constant)
        and isinstance(following.value.value, str)
    }


def _setting_keys() -> tuple[Key, ...]:
    """``RepositorySettingsArgs`` as config keys: camelCase names, the component's docstrings."""
    hints = typing.get_type_hints(RepositorySettingsArgs)
    docs = _field_docs(RepositorySettingsArgs)
    names = {field: _camel(field) for field in hints}
    keys = []
    for field, hint in hints.items():
        kind, element = _PYTHON_TYPES[hint]
        items = Key("", element, "") if element is not None else None
        keys.append(Key(names[field], kind, translate_names(docs.get(field, ""), names), items=items, arg=field))
    return tuple(keys)


def _account_keys(owner: str) -> tuple[Key, ...]:
    """``profile`` and ``roleArn``: how the example program reaches an account (never component arguments)."""
    return (
        Key(
            "profile",
            ValueType.STRING,
            f"The AWS profile the {owner} provider uses (absent, and without `roleArn`: ambient credentials).",
            secret=True,
        ),
        Key(
            "roleArn",
            ValueType.STRING,
            f"A role in `accountId` the {owner} provider assumes.",
            secret=True,
        ),
    )


SETTING_KEYS = _setting_keys()
"""The keys of a ``repositorySettings`` object."""

STACK_KEYS: tuple[Key, ...] = (
    Key(
        "source",
        ValueType.OBJECT,
        "The account whose registry holds the images; its provider is pinned to `accountId`.",
        required=True,
        arg="",
        whole_args=("source_provider",),
        fields=(
            Key(
                "accountId",
                ValueType.ACCOUNT_ID,
                "12 digits, quoted (`\"011111111111\"`).",
                required=True,
                secret=True,
                arg="source_account_id",
            ),
            Key("region", ValueType.REGION, "The source registry's region.", required=True, arg="source_region"),
            *_account_keys("source"),
        ),
    ),
    Key(
        "destinations",
        ValueType.LIST,
        "The accounts replicated to. An entry with the source's `accountId` is a same-account (cross-region) "
        "destination; entries of one account share its provider (see below).",
        required=True,
        arg="destinations",
        items=Key(
            "",
            ValueType.OBJECT,
            "",
            whole_args=("provider",),
            fields=(
                Key(
                    "accountId",
                    ValueType.ACCOUNT_ID,
                    "12 digits, quoted; the destination's provider is pinned to it.",
                    required=True,
                    secret=True,
                    arg="account_id",
                ),
                Key(
                    "regions",
                    ValueType.LIST,
                    "The regions replicated to; the first is the provider's region.",
                    required=True,
                    items=Key("", ValueType.REGION, ""),
                    arg="regions",
                ),
                *_account_keys("destination"),
                Key(
                    "repositoryPrefixes",
                    ValueType.LIST,
                    "Replaces the top-level `repositoryPrefixes` for this destination (`[]`: every repository).",
                    items=Key("", ValueType.STRING, ""),
                    arg="repository_prefixes",
                    if_null="has no value (were its items commented out?): list this destination's prefixes, write "
                    "[] to replicate every repository, or remove the key to use the top-level repositoryPrefixes",
                ),
                Key(
                    "manageRegistryPolicy",
                    ValueType.BOOLEAN,
                    "`false` when the registry policy is managed elsewhere (default `true`).",
                    arg="manage_registry_policy",
                ),
                Key(
                    "registryPolicyStatements",
                    ValueType.LIST,
                    "Statements the registry policy holds besides the replication statement, e.g. grants to "
                    "other accounts (`ecr-replication import` writes every other live statement here). Only for "
                    "another account than the source's; an `Allow` naming anything but AWS accounts (`\"*\"`, "
                    "`NotPrincipal`, a service) or a `Deny` of what replication needs is an error.",
                    items=Key("", ValueType.STATEMENT, ""),
                    arg="registry_policy_statements",
                ),
                Key(
                    "repositorySettings",
                    ValueType.OBJECT,
                    "Overrides fields of the top-level `repositorySettings` for this destination (same keys).",
                    fields=SETTING_KEYS,
                    arg="repository_settings",
                ),
            ),
        ),
    ),
    Key(
        "pullThroughDestinations",
        ValueType.LIST,
        "Pull-through spokes: registries that cache the replicated images on first pull from the source or a "
        "destination, beyond replication's 25 destinations (see docs/component.md). Entries of one account share "
        "its provider with the destinations of that account.",
        arg="pull_through_destinations",
        items=Key(
            "",
            ValueType.OBJECT,
            "",
            whole_args=("provider",),
            fields=(
                Key(
                    "accountId",
                    ValueType.ACCOUNT_ID,
                    "12 digits, quoted; the spoke's provider is pinned to it.",
                    required=True,
                    secret=True,
                    arg="account_id",
                ),
                Key(
                    "regions",
                    ValueType.LIST,
                    "The spoke regions; the first is the provider's region (no China or GovCloud region: no pull "
                    "through cache there).",
                    required=True,
                    items=Key("", ValueType.REGION, ""),
                    arg="regions",
                ),
                *_account_keys("spoke"),
                Key(
                    "upstream",
                    ValueType.STRING,
                    "The registry cached from, `ACCOUNT/REGION`: the source (the default) or a destination registry "
                    "of this stack.",
                    arg="upstream",
                ),
                Key(
                    "repositorySettings",
                    ValueType.OBJECT,
                    "Overrides fields of the top-level `repositorySettings` for the cached repositories (same keys).",
                    fields=SETTING_KEYS,
                    arg="repository_settings",
                ),
            ),
        ),
    ),
    Key(
        "manageSourceRegistryPolicy",
        ValueType.BOOLEAN,
        "`false` when the source registry's policy is managed elsewhere; by default a spoke in another account "
        "than the source that caches from it makes the stack own that policy, holding the spokes' grants (default "
        "`true`).",
        arg="manage_source_registry_policy",
    ),
    Key(
        "sourceRegistryPolicyStatements",
        ValueType.LIST,
        "Statements the source registry's policy holds besides the spokes' grants, e.g. grants to workload accounts, "
        "which a policy the stack declares would otherwise replace (a registry has one policy; without this key the "
        "plan warns, `[]` says there are none). Only with a spoke in another account than the source that caches "
        "from it; checked like `destinations[].registryPolicyStatements`.",
        items=Key("", ValueType.STATEMENT, ""),
        arg="source_registry_policy_statements",
        if_null="has no value (were its items commented out?): list the statements the source registry's policy "
        "keeps besides the spokes' grants, or write [] for none",
    ),
    Key(
        "repositoryPrefixes",
        ValueType.LIST,
        "Prefixes of the repositories to replicate (`PREFIX_MATCH`); absent or `[]`: every repository (the key "
        "with no value is an error).",
        items=Key("", ValueType.STRING, ""),
        arg="repository_prefixes",
        if_null="has no value (were its items commented out?): list the prefixes to replicate, or write [] to "
        "replicate every repository",
    ),
    Key(
        "repositorySettings",
        ValueType.OBJECT,
        "How replicated repositories are configured in every destination (see Repository settings).",
        fields=SETTING_KEYS,
        arg="repository_settings",
    ),
    Key(
        "adopt",
        ValueType.BOOLEAN,
        "`true`: the first `pulumi up` imports the live replication configuration, registry policies, creation "
        "templates, scanning configurations and pull-through cache rules instead of creating them (see Adopting "
        "an existing setup); remove it after that `up`.",
        arg="adopt_existing",
    ),
)
"""Every key of the ``ecr-replication:`` namespace."""


def closest(name: str, candidates: Sequence[str]) -> str | None:
    """The candidate ``name`` was most likely meant to be (case-insensitive), if any is close."""
    lowered = {c.lower(): c for c in candidates}
    match = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


ACCOUNT_LISTS = ("destinations", "pullThroughDestinations")
"""The top-level keys listing account entries besides ``source``, in the order their entries name providers
(:mod:`replication.stack.config`, :mod:`replication.stack.replaced_file`)."""


ENGINE_NAMESPACE = "pulumi"
"""The Pulumi engine's own config namespace (``pulumi:disable-default-providers``, ``pulumi:tags``)."""

NAMESPACE_CUTOFF = 0.8
"""How alike (difflib's ratio) another namespace must be to the program's to count as a misspelling of it:
``ecr-replicaton`` and ``ecr_replication`` are (0.93 and more), ``aws`` or ``kubernetes`` are not."""


def stray_key_problem(key: str, namespace: str) -> str | None:
    """Why the config key ``key`` (``ns:name``) of another namespace looks meant for the program that reads
    ``namespace`` (the project's name: ``pulumi.Config()`` reads no other), or ``None`` when it doesn't.

    Such a key is ignored by the program, so a setting written there silently falls back to its default; for
    ``repositoryPrefixes`` that is every repository. A key looks meant for the program when its namespace is
    close to the program's (difflib), or is this package's own (a copied example whose project was renamed).
    The engine's namespace and unrelated ones (``aws``, other libraries') are never flagged.
    """
    other, separator, name = key.partition(":")
    if not separator or other == namespace or other == ENGINE_NAMESPACE:
        return None
    if other != NAMESPACE and not difflib.get_close_matches(other.lower(), [namespace.lower()], n=1,
                                                             cutoff=NAMESPACE_CUTOFF):
        return None
    meant = f"{namespace}:{closest(name, [k.name for k in STACK_KEYS]) or name}"
    if other == NAMESPACE:
        return (f"not read: this project is named {namespace} (Pulumi.yaml), and the program reads only the keys of "
                f"its namespace; did you mean {meant}?")
    return (f"not read: the program reads only the {namespace}: namespace (the project name in Pulumi.yaml); "
            f"did you mean {meant}?")


Segment = str | int
"""A step of a config path: a key or a list index."""

def render_path(segments: Sequence[Segment], namespace: str = NAMESPACE) -> str:
    """A config path as ``pulumi config set --path`` spells it: ``ns:destinations[0].accountId``."""
    return property_path(f"{namespace}:{segments[0]}", segments[1:])


_ARG_TOKEN = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[(['\"])(.*?)\3\]")


def _arg_segments(arg_path: str) -> list[Segment] | None:
    """``destinations[0].kms_keys['us-west-2']`` as ``["destinations", 0, "kms_keys", "us-west-2"]``."""
    segments: list[Segment] = []
    position = 0
    while position < len(arg_path):
        match = _ARG_TOKEN.match(arg_path, position)
        if match is None:
            return None
        name, index, _, key = match.groups()
        segments.append(name if name is not None else int(index) if index is not None else key)
        position = match.end()
    return segments


def _match_in(keys: Sequence[Key], segments: list[Segment]) -> list[Segment] | None:
    """The config path of the argument path ``segments`` among the keys of one scope, or None."""
    head, rest = segments[0], segments[1:]
    for key in keys:
        if key.arg == "":
            if head in key.whole_args:
                return [key.name, *rest]
            inner = _match_in(key.fields, segments)
            if inner is not None:
                return [key.name, *inner]
        elif head == key.arg or head in key.whole_args:
            return [key.name, *_descend(key, rest)] if head == key.arg else [key.name, *rest]
    return None


def _descend(key: Key, segments: list[Segment]) -> list[Segment]:
    """The rest of an argument path under ``key``: list indexes, object fields, else as it is (map keys, JSON)."""
    if not segments:
        return []
    head, rest = segments[0], segments[1:]
    if key.type is ValueType.LIST and isinstance(head, int) and key.items is not None:
        item = key.items
        if rest and rest[0] in item.whole_args:
            return [head, *rest[1:]]
        return [head, *_descend(item, rest)]
    if key.type is ValueType.OBJECT and isinstance(head, str):
        inner = _match_in(key.fields, segments)
        if inner is not None:
            return inner
    return segments


def config_path_of(arg_path: str) -> list[Segment] | None:
    """The config path an EcrReplication argument path came from, or None when no key makes that argument.

    ``destinations[0].repository_settings.keep_last_images`` -> ``["destinations", 0, "repositorySettings",
    "keepLastImages"]``; ``source_account_id`` -> ``["source", "accountId"]``. What follows the last key (a map
    key, a path inside a JSON document) is kept as it is.
    """
    segments = _arg_segments(arg_path)
    return _match_in(STACK_KEYS, segments) if segments else None


def _all_keys(keys: Sequence[Key]) -> Iterator[Key]:
    for key in keys:
        yield key
        yield from _all_keys(key.fields + ((key.items,) if key.items is not None else ()))


ARG_NAMES: dict[str, str] = {key.arg: key.name for key in _all_keys(STACK_KEYS) if key.arg}
"""EcrReplication argument name -> the config key it comes from (``keep_last_images`` -> ``keepLastImages``)."""


def markdown_table(keys: Sequence[Key] = STACK_KEYS) -> str:
    """The table of config keys in docs/configuration.md: one row per key, nested keys as ``source.accountId`` and
    ``destinations[].regions``; ``repositorySettings`` fields once, under the top-level key."""
    rows = ["| key (`ecr-replication:` namespace) | type | meaning |", "|---|---|---|"]

    def add(key: Key, path: str) -> None:
        notes = [key.type_text] + (["required"] if key.required else []) + (["may be secret"] if key.secret else [])
        rows.append(f"| `{path}` | {', '.join(notes)} | {key.description} |")
        fields = key.items.fields if key.items is not None else key.fields
        if fields is SETTING_KEYS and path != "repositorySettings":
            return
        for field in fields:
            add(field, f"{path}{'[]' if key.items is not None else ''}.{field.name}")

    for key in keys:
        add(key, key.name)
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
