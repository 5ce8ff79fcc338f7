"""Read the example stack's configuration (``Pulumi.<stack>.yaml``) against :mod:`replication.stack.schema`,
build one aws provider per account, and hand the rest to EcrReplication.

Every error names the config key in the config's spelling, e.g. ``ecr-replication:destinations[0].accountId``.
The reader checks what the schema says (unknown, missing and misplaced keys, objects and lists) and the values
only this program uses (account ids, profiles, role ARNs). Every value the component receives is validated by
the component, once: :func:`in_config_keys` tells its errors and warnings, which name argument paths, in config
keys.

Secrets: ``accountId``, ``profile`` and ``roleArn`` may be encrypted (``pulumi config set --secret --path``).
In a real ``pulumi up`` the CLI decrypts them and marks the whole key secret, so every secret-capable value
under a secret key is treated as secret; offline, the stack files name exactly the encrypted values
(:mod:`replication.preview.stack_files`) and read them as a placeholder. Secret values reach the providers as
secret outputs and are never printed in a message.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws
from pulumi.runtime import config as runtime_config

from replication.args import EcrReplicationArgs
from replication.ecr_semantics import account_of_role
from replication.errors import REDACTED, SECRET, ReplicationConfigError, warnings_told_as
from replication.model import check_account_id
from replication.stack.schema import (
    ACCOUNT_LISTS,
    ARG_NAMES,
    STACK_KEYS,
    Key,
    Segment,
    ValueType,
    closest,
    config_path_of,
    render_path,
    stray_key_problem,
    translate_names,
)

ACCOUNT_ID_DIGITS = 12
"""An AWS account id is 12 digits; a YAML number with fewer lost its leading zeros."""


class StackConfigError(ReplicationConfigError, pulumi.RunError):
    """A config error of the example stack, naming the config key. Also a ``pulumi.RunError``: the Python
    language host prints a ``RunError`` as its one-line message, any other exception with a traceback."""


def config_keys() -> list[str]:
    """Every config key the program was given (``namespace:name``, every namespace), sorted.

    The Python SDK has no public call that lists config keys (Node's has ``runtime.allConfig``). The language
    host's ``pulumi-language-python-exec`` hands the whole config to ``pulumi.runtime.set_all_config`` (so do
    the Automation API and ``pulumi.runtime.set_mocks`` users), which keeps it in ``runtime.config.CONFIG``;
    a program started with only the ``PULUMI_CONFIG`` environment variable is covered by ``get_config_env``.
    """
    return sorted({*runtime_config.CONFIG.get(), *runtime_config.get_config_env()})


def namespace_keys(namespace: str) -> list[str]:
    """Every config key of ``namespace`` the program was given (without the ``namespace:`` part), sorted."""
    prefix = f"{namespace}:"
    return [key[len(prefix) :] for key in config_keys() if key.startswith(prefix)]


def _is_offline_secret(value: Any) -> bool:
    """Whether ``value`` is the placeholder the offline stack loader reads an encrypted value as."""
    return value == SECRET


@dataclass
class _Secrets:
    """Which config paths hold secrets (see the module docs for the CLI's and the offline view)."""

    whole: set[str] = field(default_factory=set)
    """Top-level keys that are secret as a whole: every secret-capable value under them is secret."""
    leaves: set[tuple[Segment, ...]] = field(default_factory=set)
    """Paths of the values known to be encrypted."""

    def covers(self, path: Sequence[Segment]) -> bool:
        """Whether the value at ``path`` is, holds or lies inside a secret (so it must not be printed)."""
        path = tuple(path)
        return path[0] in self.whole or any(
            leaf[: len(path)] == path or path[: len(leaf)] == leaf for leaf in self.leaves
        )

    def holds(self, key: Key, path: Sequence[Segment]) -> bool:
        """Whether the secret-capable value of ``key`` at ``path`` is secret."""
        return key.secret and (path[0] in self.whole or tuple(path) in self.leaves)


def _paths(value: Any, path: tuple[Segment, ...]) -> Iterator[tuple[Segment, ...]]:
    """The path of ``value`` and of everything inside it."""
    yield path
    if isinstance(value, Mapping):
        for name, inner in value.items():
            yield from _paths(inner, (*path, str(name)))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _paths(inner, (*path, index))


def _key_at(path: Sequence[Segment]) -> Key | None:
    """The schema key of a config path (list indexes and map keys step into their element)."""
    keys: Sequence[Key] = STACK_KEYS
    key: Key | None = None
    for segment in path:
        if key is not None and key.items is not None:
            key = key.items
            keys = key.fields
            continue
        key = next((k for k in keys if k.name == segment), None)
        if key is None:
            return None
        keys = key.fields
    return key


def _may_hold_secrets(key: Key) -> bool:
    return key.secret or any(_may_hold_secrets(k) for k in (*key.fields, *((key.items,) if key.items else ())))


class _Reader:
    """Reads one namespace's keys, raising :class:`StackConfigError` on the first problem."""

    def __init__(self, config: pulumi.Config) -> None:
        self.config = config
        self.namespace = config.name
        self.secrets = _Secrets()

    def error(self, path: Sequence[Segment], value: Any, problem: str) -> StackConfigError:
        """The error for the value at ``path``; a secret value shows as ``[secret]``, never itself."""
        shown = REDACTED if value is not None and self.secrets.covers(path) else value
        return StackConfigError(render_path(path, self.namespace), shown, problem)

    def unknown_key(self, path: Sequence[Segment], valid: Sequence[Key]) -> StackConfigError:
        names = [k.name for k in valid]
        guess = closest(str(path[-1]), names)
        hint = f"did you mean {guess}?" if guess else f"the keys here are {', '.join(names)}"
        return StackConfigError(render_path(path, self.namespace), None, f"unknown key; {hint}")

    def read(self) -> dict[str, Any]:
        """Every key of the namespace, checked against the schema, as parsed JSON values; a key of another
        namespace that looks meant for this one is an error (the program would ignore it)."""
        for key in config_keys():
            problem = stray_key_problem(key, self.namespace)
            if problem is not None:
                raise StackConfigError(key, None, problem)
        for name in namespace_keys(self.namespace):
            if not any(k.name == name for k in STACK_KEYS):
                raise self.unknown_key([name], STACK_KEYS)
        values: dict[str, Any] = {}
        for key in STACK_KEYS:
            text = self.config.get(key.name)
            value = None if text is None else self.top_level(key, text)
            if value is not None:
                values[key.name] = value
            elif key.required:
                raise self.error([key.name], None, "is required: set it in Pulumi.<stack>.yaml")
        return values

    def top_level(self, key: Key, text: str) -> Any:
        """One top-level key: its JSON text parsed, its secrets found, its shape checked."""
        path: tuple[Segment, ...] = (key.name,)
        secret = runtime_config.is_config_secret(render_path(path, self.namespace))
        if secret and _is_offline_secret(text):
            raise self.error(
                path,
                None,
                "is encrypted as a whole, which the offline plan can't read: encrypt only accountId, profile or "
                "roleArn values, with pulumi config set --secret --path",
            )
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            raise self.error(path, text if not secret else REDACTED, self.expected(key)) from None
        if value is None:  # the key with nothing after it
            if key.if_null is not None:
                raise self.error(path, None, key.if_null)
            return None
        if secret:
            self.find_secrets(key, value)
        self.check(key, value, path)
        return value

    def find_secrets(self, key: Key, value: Any) -> None:
        """Record the secrets of a secret top-level key: the encrypted values the offline loader names, else
        (the CLI's view) the whole key. A secret where none may be is an error."""
        leaves = {
            path
            for path in _paths(value, (key.name,))
            if len(path) > 1 and runtime_config.is_config_secret(render_path(path, self.namespace))
        }
        if not leaves:
            if not _may_hold_secrets(key):
                raise self.error((key.name,), None, "is a secret, but only accountId, profile and roleArn may be")
            self.secrets.whole.add(key.name)
        for leaf in sorted(leaves, key=str):
            schema_key = _key_at(leaf)
            if schema_key is None or not schema_key.secret:
                raise self.error(leaf, None, "can't be a secret: only accountId, profile and roleArn may be")
        self.secrets.leaves |= leaves

    @staticmethod
    def expected(key: Key) -> str:
        """The problem of a value of the wrong kind: ``must be a list``, ``must be an object``."""
        article = "an" if key.type.value[0] in "aeiou" else "a"
        return f"must be {article} {key.type.value}"

    def check(self, key: Key, value: Any, path: tuple[Segment, ...]) -> None:
        """The shape the schema gives: objects with known keys and their required ones, lists, their items.
        Scalars and maps are the component's to validate, except what this program uses (see the callers)."""
        if key.type is ValueType.OBJECT:
            if not isinstance(value, Mapping):
                raise self.error(path, value, self.expected(key))
            for name in value:
                if key.field(str(name)) is None:
                    raise self.unknown_key((*path, str(name)), key.fields)
            for inner in key.fields:  # a null value (``region:`` with nothing after it) counts as absent
                if value.get(inner.name) is not None:
                    self.check(inner, value[inner.name], (*path, inner.name))
                elif inner.if_null is not None and inner.name in value:
                    raise self.error((*path, inner.name), None, inner.if_null)
                elif inner.required:
                    raise self.error((*path, inner.name), None, "is required")
        elif key.type is ValueType.LIST:
            if not isinstance(value, list):
                raise self.error(path, value, self.expected(key))
            if key.required and not value:
                raise self.error(path, value, "must not be empty")
            if key.items is not None and key.items.type is ValueType.OBJECT:
                for index, item in enumerate(value):
                    self.check(key.items, item, (*path, index))

    def account_id(self, entry: Mapping[str, Any], path: tuple[Segment, ...]) -> str:
        """The entry's ``accountId`` as a string: a YAML number of exactly 12 digits counts; one with fewer
        digits is an error showing the number and its digits (:func:`_short_number_problem`)."""
        here = (*path, "accountId")
        value = entry["accountId"]
        if _is_offline_secret(value) and (here in self.secrets.leaves):
            raise self.error(
                here,
                None,
                "is encrypted, and the offline plan can't decrypt it; the account ids decide which providers, "
                "registry policies and resource names exist, so plan this stack with pulumi preview, or keep "
                "account ids in plaintext (see docs/configuration.md)",
            )
        if isinstance(value, int) and not isinstance(value, bool):
            if 0 <= value < 10 ** (ACCOUNT_ID_DIGITS - 1):
                raise self.error(here, None, _short_number_problem(value, self.secrets.covers(here)))
            value = str(value)
        try:
            return check_account_id(render_path(here, self.namespace), value)
        except ReplicationConfigError as error:
            raise self.error(here, error.value, error.problem) from None

    def optional_string(self, entry: Mapping[str, Any], path: tuple[Segment, ...], name: str) -> str | None:
        value = entry.get(name)
        if value is not None and (not isinstance(value, str) or not value):
            raise self.error((*path, name), value, "must be a non-empty string")
        return value


def _short_number_problem(number: int, secret: bool) -> str:
    """Why an ``accountId`` the program got as a number of fewer than 12 digits is no account id, showing the
    number (unless it is a secret) and its digits. The stack file holds that number when it was written unquoted
    (``accountId: 11111111111``, a digit short, or what ``pulumi config set --path`` stores for
    ``011111111111``); go-yaml v3 also reads an unquoted id with a leading 0 as octal (``022222222222`` is
    2454267026), which the message adds when the number has such a spelling of 12 characters."""
    digits = len(str(number))
    fix = "quote it"
    if not secret:
        octal = f"0{number:o}"
        if len(octal) == ACCOUNT_ID_DIGITS:
            fix = f'an unquoted {octal} is read as octal, as {number}; quote it (accountId: "{octal}")'
        else:
            fix += f' (accountId: "{number:0{ACCOUNT_ID_DIGITS}d}" if leading zeros were dropped)'
    return (f"is {'a number' if secret else f'{number}, a number'} of {digits} digit{'' if digits == 1 else 's'}: an "
            f"AWS account id is {ACCOUNT_ID_DIGITS} digits, written as text: {fix}, or set it with pulumi config set "
            "--path --type string")


@dataclass(frozen=True)
class AccountEntry:
    """How ``source``, a ``destinations`` entry or a ``pullThroughDestinations`` entry reaches its account."""

    path: tuple[Segment, ...]
    """The config path of the entry, e.g. ``("destinations", 0)``."""
    account_id: str
    region: Any
    """The region of the entry's provider as configured (the component validates it)."""
    profile: str | None
    role_arn: str | None
    secret: frozenset[str]
    """Which of ``accountId``, ``profile`` and ``roleArn`` are secrets."""
    encrypted: frozenset[str] = frozenset()
    """Which of ``profile`` and ``roleArn`` are encrypted values the offline loader can't read (placeholders)."""

    @property
    def credentials(self) -> tuple[str | None, str | None]:
        """What the entry says about credentials: ``(profile, roleArn)``; ``(None, None)`` says nothing."""
        return self.profile, self.role_arn


@dataclass(frozen=True)
class StackConfig:
    """The example stack's configuration, checked against the schema."""

    namespace: str
    values: Mapping[str, Any]
    """Every key as parsed JSON, account ids as strings."""
    source: AccountEntry
    destinations: tuple[AccountEntry, ...]
    secrets: _Secrets
    spokes: tuple[AccountEntry, ...] = ()
    """The ``pullThroughDestinations`` entries."""

    @property
    def entries(self) -> tuple[AccountEntry, ...]:
        """``source``, then every destination entry, then every spoke entry."""
        return (self.source, *self.destinations, *self.spokes)

    @property
    def has_secret_account_id(self) -> bool:
        """Whether any account id is a secret (so outputs that spell account ids are exported as secrets)."""
        return any("accountId" in e.secret for e in self.entries)


SPOKES_KEY = "pullThroughDestinations"
"""The key listing the pull-through spokes."""

_ENTRY_KEYS = {
    "source": next(k for k in STACK_KEYS if k.name == "source"),
    **{k.name: k.items for k in STACK_KEYS if k.name in ACCOUNT_LISTS and k.items is not None},
}
"""The schema of each kind of account entry, by the top-level key it is under."""


def _entry(reader: _Reader, entry: Mapping[str, Any], path: tuple[Segment, ...], region: Any) -> AccountEntry:
    """An account entry, its account id checked (the provider is pinned to it) and its role in that account."""
    key = _ENTRY_KEYS[str(path[0])]
    account_id = reader.account_id(entry, path)
    profile = reader.optional_string(entry, path, "profile")
    role_arn = reader.optional_string(entry, path, "roleArn")
    if role_arn is not None and not _is_offline_secret(role_arn) and account_of_role(role_arn) != account_id:
        raise reader.error((*path, "roleArn"), role_arn, "must be a role ARN in the account of accountId")
    secret = frozenset(f.name for f in key.fields if reader.secrets.holds(f, (*path, f.name)))
    encrypted = frozenset(name for name, value in (("profile", profile), ("roleArn", role_arn))
                          if _is_offline_secret(value) and (*path, name) in reader.secrets.leaves)
    return AccountEntry(path, account_id, region, profile, role_arn, secret, encrypted)


def _check_one_provider_per_account(reader: _Reader, entries: Sequence[AccountEntry]) -> None:
    """Entries of one account share its provider, so those that name credentials must name the same ones.

    Rejected rather than served by one provider per entry: the account-wide resources (the creation
    templates' IAM role, one per account) would then go through whichever entry came first, the provider
    names would depend on entry order, and two credential sets for one account are nearly always a slip.
    Offline an encrypted value can't be compared with another: that is an error too (the plan would otherwise
    vouch for a stack whose ``pulumi up`` may stop on this very check), which one entry per account avoids.
    """
    named: dict[str, AccountEntry] = {}
    for entry in entries:
        if entry.credentials == (None, None):
            continue
        first = named.setdefault(entry.account_id, entry)
        if first is entry:
            continue
        unknown = [n for n, a, b in zip(("profile", "roleArn"), first.credentials, entry.credentials)
                   if (a is not None or b is not None) and n in first.encrypted | entry.encrypted]
        if unknown:
            raise reader.error(
                entry.path,
                None,
                f"same account as {render_path(first.path, reader.namespace)}, and their {' and '.join(unknown)} "
                "can't be compared offline (encrypted): one aws provider serves each account, so they must be equal; "
                "give them in one entry only",
            )
        if first.credentials != entry.credentials:
            differing = [n for n, a, b in zip(("profile", "roleArn"), first.credentials, entry.credentials) if a != b]
            raise reader.error(
                entry.path,
                None,
                f"same account as {render_path(first.path, reader.namespace)} but another {' and '.join(differing)}: "
                "one aws provider serves each account, so give its entries the same profile and roleArn "
                "(or give them in one entry only)",
            )


def read_stack_config(config: pulumi.Config) -> StackConfig:
    """Read and check the namespace of ``config`` (``ecr-replication``) against the schema."""
    reader = _Reader(config)
    values = reader.read()
    source = _entry(reader, values["source"], ("source",), values["source"]["region"])
    listed: dict[str, tuple[AccountEntry, ...]] = {}
    for name in ACCOUNT_LISTS:
        listed[name] = tuple(_entry(reader, entry, (name, index), entry["regions"][0])
                             for index, entry in enumerate(values.get(name) or ()))
    _check_one_provider_per_account(reader, (source, *listed["destinations"], *listed[SPOKES_KEY]))
    values["source"] = {**values["source"], "accountId": source.account_id}
    for name, parsed_entries in listed.items():
        if name in values:
            values[name] = [{**entry, "accountId": parsed.account_id}
                            for entry, parsed in zip(values[name], parsed_entries)]
    return StackConfig(reader.namespace, values, source, listed["destinations"], reader.secrets, listed[SPOKES_KEY])


def _secret_if(flag: bool, value: Any) -> Any:
    return pulumi.Output.secret(value) if flag and value is not None else value


def read_config_values(namespace: str, values: Mapping[str, str], secret_keys: Sequence[str]) -> StackConfig:
    """:func:`read_stack_config` outside a program run: ``namespace`` read from a stack's config values
    (``namespace:key`` -> text, and the secret keys, as :mod:`replication.preview.stack_files` loads them), handed
    to the reader the way the language host hands them to a program. The live commands' ``--stack`` reads each
    account's credentials this way."""
    runtime_config.set_all_config(dict(values), list(secret_keys))
    return read_stack_config(pulumi.Config(namespace))


def credential_entries(config: StackConfig) -> dict[str, AccountEntry]:
    """Each account's entry its provider takes its credentials from: the first of its entries that names a
    ``profile`` or ``roleArn`` (entries of one account that name them agree), else its first entry."""
    chosen: dict[str, AccountEntry] = {}
    for entry in config.entries:
        first = chosen.setdefault(entry.account_id, entry)
        if first.credentials == (None, None) and entry.credentials != (None, None):
            chosen[entry.account_id] = entry
    return chosen


_PROVIDER_NAMES = {"destinations": "destination", SPOKES_KEY: "spoke"}
"""The provider name of an account other than the source's, before the account id, by its first entry's key."""


def account_providers(config: StackConfig) -> dict[str, aws.Provider]:
    """One aws provider per account, named ``source``, ``destination-<account id>`` or (an account with spokes only)
    ``spoke-<account id>``, that can only ever touch that account (``allowed_account_ids``). Its region is the
    account's first entry's; its credentials those its entries name (:func:`credential_entries`); secret settings
    stay secret outputs."""
    providers: dict[str, aws.Provider] = {}
    credentials = credential_entries(config)
    for entry in config.entries:
        if entry.account_id in providers:
            continue
        same = [e for e in config.entries if e.account_id == entry.account_id]
        named = credentials[entry.account_id]
        role_arn = _secret_if("roleArn" in named.secret, named.role_arn)
        providers[entry.account_id] = aws.Provider(
            "source" if entry is config.source else f"{_PROVIDER_NAMES[str(entry.path[0])]}-{entry.account_id}",
            region=entry.region,
            allowed_account_ids=[_secret_if(any("accountId" in e.secret for e in same), entry.account_id)],
            profile=_secret_if("profile" in named.secret, named.profile),
            assume_roles=[aws.ProviderAssumeRoleArgs(role_arn=role_arn)] if named.role_arn else None,
        )
    return providers


def _arguments(keys: Sequence[Key], value: Mapping[str, Any], providers: Mapping[str, aws.Provider]) -> dict[str, Any]:
    """The component arguments the keys of one object become, as the schema's ``arg`` says."""
    arguments: dict[str, Any] = {}
    for key in keys:
        inner = value.get(key.name)
        if inner is None:
            continue
        if key.arg == "":
            arguments.update(_arguments(key.fields, inner, providers))
            arguments.update({name: providers[inner["accountId"]] for name in key.whole_args})
        elif key.arg:
            arguments[key.arg] = _argument(key, inner, providers)
    return arguments


def _argument(key: Key, value: Any, providers: Mapping[str, aws.Provider]) -> Any:
    if key.type is ValueType.OBJECT:
        return _arguments(key.fields, value, providers)
    if key.type is ValueType.LIST and key.items is not None and key.items.type is ValueType.OBJECT:
        item = key.items
        return [
            {**_arguments(item.fields, entry, providers), **{name: providers[entry["accountId"]] for name in item.whole_args}}
            for entry in value
        ]
    return value


def component_args(config: StackConfig, providers: Mapping[str, aws.Provider]) -> EcrReplicationArgs:
    """The EcrReplication arguments the config gives, each key becoming the argument its schema ``arg`` names
    (the mapping :func:`in_config_keys` reverses); every account through its provider."""
    return EcrReplicationArgs(**_arguments(STACK_KEYS, config.values, providers))  # type: ignore[typeddict-item]


@contextlib.contextmanager
def in_config_keys(config: StackConfig) -> Iterator[None]:
    """Tell the component's argument errors and warnings in config keys: the argument path as the config key it came
    from (``repository_settings.keep_last_images`` -> ``ecr-replication:repositorySettings.keepLastImages``), the
    argument names in the problem as config keys; an error's secret value as ``[secret]``. An error is re-raised as a
    :class:`StackConfigError`; a warning is logged in these words (``errors.warnings_told_as``).

    The config gives every account id and region explicitly, so the component validates, and warns, while it is
    constructed, inside this block.
    """
    with warnings_told_as(lambda warning: _config_words(config, warning.field, warning.problem) or str(warning)):
        try:
            yield
        except StackConfigError:
            raise
        except ReplicationConfigError as error:
            path = config_path_of(error.field)
            if path is None:
                raise
            value = REDACTED if error.value is not None and config.secrets.covers(path) else error.value
            raise StackConfigError(render_path(path, config.namespace), value,
                                   translate_names(error.problem, ARG_NAMES)) from None


def _config_words(config: StackConfig, field: str, problem: str) -> str | None:
    """``field: problem`` with the argument path ``field`` told as its config key and the argument names in
    ``problem`` as config keys, or ``None`` when no key makes that argument."""
    path = config_path_of(field)
    if path is None:
        return None
    return f"{render_path(path, config.namespace)}: {translate_names(problem, ARG_NAMES)}"
