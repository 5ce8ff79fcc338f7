"""What ``ecr-replication import --force`` keeps of the stack file it replaces, and what it replaces.

The import writes the program's namespace (the live setup, declared) and ``pulumi:disable-default-providers``.
Everything else in the file is the user's, and is kept:

* the stack's own settings (top-level keys besides ``config``: the ``encryptionsalt``, ``secretsprovider`` or
  ``encryptedkey`` that ``pulumi stack init`` wrote; without them the stack's secrets can't be decrypted);
* config keys of other namespaces (``aws:region``, ``pulumi:tags``, other libraries'), as they are, and the other
  providers ``pulumi:disable-default-providers`` names besides ``aws``;
* each account's credentials (``profile`` and ``roleArn``; encrypted ones as their ciphertext, which the kept
  settings still decrypt), given to the entry the account's provider takes them from (:func:`provider_entries`).
  The account is the entry's ``accountId``; where that is encrypted or not an account id, the one a plaintext
  ``roleArn`` names (a provider assuming it acts in that account, which the program pins it to), or, for
  ``source``, the source account (a stack has one source).

Replaced: every key of the program's namespace, and keys the program would reject as meant for it
(:func:`~replication.stack.schema.stray_key_problem`). Credentials that can't be matched to an account the import
writes (a destination whose account nothing in its entry spells, an account no longer replicated to, a second
entry of an account naming other credentials) are reported, not kept. Comments are not kept (the file is read as
data, as the Pulumi CLI reads it: :func:`replication.preview.stack_files.read_document`, YAML or JSON by
the file's extension); the import keeps a copy of the file.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from replication import limits
from replication.ecr_semantics import account_of_role
from replication.preview.stack_files import StackFileError, read_document
from replication.stack.schema import ACCOUNT_LISTS, Segment, render_path, stray_key_problem
from replication.stack.writer import DISABLE_DEFAULT_PROVIDERS

CREDENTIAL_KEYS = ("profile", "roleArn")
"""The keys of a ``source`` or ``destinations`` entry that say how the program reaches its account."""

@dataclass(frozen=True)
class Credentials:
    """One account's ``profile`` and ``roleArn`` from the replaced file, as written there."""

    values: dict[str, Any]
    """``profile`` and/or ``roleArn``: a string, or ``{secure: …}`` (never printed)."""
    entry: str
    """The config path of the entry they came from."""
    matched_by: str = ""
    """How their account is known when the entry's ``accountId`` doesn't say it; empty when it does."""

    def keys(self) -> str:
        """``profile and roleArn (encrypted)``: which keys, never their values."""
        return " and ".join(f"{k} (encrypted)" if isinstance(v, Mapping) else k for k, v in self.values.items())

    def describe(self) -> str:
        """``roleArn (encrypted), from ns:destinations[1]``, and how their account is known if not by ``accountId``."""
        return f"{self.keys()}, from {self.entry}" + (f" ({self.matched_by})" if self.matched_by else "")


@dataclass(frozen=True)
class ReplacedFile:
    """What a stack file being replaced holds that the import keeps, and what it replaces."""

    settings: dict[str, Any]
    """Top-level keys besides ``config``."""
    config: dict[str, Any]
    """Config keys the import doesn't own, in the file's order (``pulumi:disable-default-providers`` only when it
    names more than ``aws``, with ``aws``)."""
    credentials: dict[str, Credentials]
    """Account id -> the credentials its entries gave (the first entry naming any)."""
    source: Credentials | None
    """The ``source`` entry's credentials when nothing in it spells its account: the source account's."""
    replaced: tuple[str, ...]
    """The config keys the import replaces."""
    unmatched: tuple[str, ...]
    """Credentials that can't be kept, one line each, naming the key and why."""


def _account(value: Any) -> str | None:
    """An entry's ``accountId`` as a 12-digit string (a YAML number of 12 digits counts), else ``None``."""
    text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    return text if limits.ACCOUNT_ID_PATTERN.match(text) else None


def _entries(config: Mapping[str, Any], namespace: str) -> list[tuple[tuple[Segment, ...], Any]]:
    """The replaced file's ``source``, ``destinations`` and ``pullThroughDestinations`` entries, with their config
    paths."""
    entries: list[tuple[tuple[Segment, ...], Any]] = [(("source",), config.get(f"{namespace}:source"))]
    for key in ACCOUNT_LISTS:
        listed = config.get(f"{namespace}:{key}")
        if isinstance(listed, list):
            entries += [((key, index), entry) for index, entry in enumerate(listed)]
    return entries


def _owner(entry: Mapping[str, Any]) -> tuple[str | None, str]:
    """The account an entry's credentials are for, and how that is known when not by its ``accountId``: the
    account a plaintext ``roleArn`` names (the program requires it to be the entry's own)."""
    account = _account(entry.get("accountId"))
    if account is not None:
        return account, ""
    why = "is encrypted" if isinstance(entry.get("accountId"), Mapping) else "is not an account id"
    role = entry.get("roleArn")
    named = account_of_role(role) if isinstance(role, str) else None
    return (named, f"its accountId {why}: the account its roleArn names") if named else (None, why)


def _credentials(config: Mapping[str, Any], namespace: str
                 ) -> tuple[dict[str, Credentials], Credentials | None, list[str]]:
    """The credentials of each account the replaced file names, the source entry's when nothing in it names its
    account, and one line per credentials that can't be kept."""
    found: dict[str, Credentials] = {}
    source: Credentials | None = None
    unmatched: list[str] = []
    for path, entry in _entries(config, namespace):
        if not isinstance(entry, Mapping):
            continue
        values = {key: entry[key] for key in CREDENTIAL_KEYS if entry.get(key) is not None}
        if not values:
            continue
        where = render_path(path, namespace)
        account, how = _owner(entry)
        if account is None and path == ("source",):
            source = Credentials(values, where, f"its accountId {how}: the stack's one source")
            continue
        if account is None:
            unmatched.append(f"{where}: {' and '.join(values)}: its accountId {how} and no plaintext roleArn names its "
                             "account, so they can't be matched to an account")
            continue
        credentials = Credentials(values, where, how)
        first = found.setdefault(account, credentials)
        if first is not credentials and first.values != values:
            unmatched.append(f"{where}: {credentials.keys()}: account {account}'s credentials come from {first.entry}")
    return found, source, unmatched


def read_replaced(path: Path, namespace: str) -> ReplacedFile | None:
    """What the stack file at ``path`` holds for an import writing ``namespace`` (``None``: there is no file).
    :class:`StackFileError` when it can't be read: then nothing of it could be kept."""
    if not path.exists():
        return None
    try:
        document = read_document(path)
    except (OSError, StackFileError) as error:
        raise StackFileError(f"{path} can't be read to keep what it holds ({error}); move it away first") from None
    config = document.get("config") or {}
    if not isinstance(config, Mapping):
        raise StackFileError(f"{path} is not a stack file (its config is not a mapping); move it away first")
    kept: dict[str, Any] = {}
    replaced: list[str] = []
    for key, value in config.items():
        name = str(key)
        if name == next(iter(DISABLE_DEFAULT_PROVIDERS)):
            if isinstance(value, list) and set(value) - {"aws"}:
                kept[name] = [*value, *(["aws"] if "aws" not in value else [])]
        elif name.startswith(f"{namespace}:") or stray_key_problem(name, namespace) is not None:
            replaced.append(name)
        else:
            kept[name] = value
    credentials, source, unmatched = _credentials(config, namespace)
    settings = {str(k): v for k, v in document.items() if k != "config"}
    return ReplacedFile(settings, kept, credentials, source, tuple(replaced), tuple(unmatched))


def provider_entries(values: Mapping[str, Any]) -> list[tuple[tuple[Segment, ...], str]]:
    """Where each account's provider takes its credentials from (entries of one account share it): ``source``
    for the source account, each other account's first ``destinations`` entry, else its first
    ``pullThroughDestinations`` entry; with the account id."""
    entries: list[tuple[tuple[Segment, ...], str]] = [(("source",), str(values["source"]["accountId"]))]
    seen = {entries[0][1]}
    for key in ACCOUNT_LISTS:
        for index, entry in enumerate(values.get(key) or ()):
            account = str(entry["accountId"])
            if account not in seen:
                seen.add(account)
                entries.append(((key, index), account))
    return entries


def with_credentials(values: Mapping[str, Any], replaced: ReplacedFile, namespace: str
                     ) -> tuple[dict[str, Any], list[str], list[str]]:
    """``values`` with each account's kept credentials in its provider's entry (the source's: those matched to
    its account, else the replaced source entry's); a line per account given them, and a line per kept
    credentials the import doesn't place."""
    placed = copy.deepcopy(dict(values))
    lines: list[str] = []
    gone: list[str] = []
    accounts = set()
    for path, account in provider_entries(placed):
        accounts.add(account)
        found = replaced.credentials.get(account)
        if path == ("source",) and replaced.source is not None:
            if found is None:
                found = replaced.source
            elif found.values != replaced.source.values:
                gone.append(f"{replaced.source.entry}: {replaced.source.keys()}: account {account}'s credentials come "
                            f"from {found.entry}")
        if found is None:
            continue
        entry: dict[str, Any] = placed[str(path[0])] if len(path) == 1 else placed[str(path[0])][int(path[1])]
        entry.update(found.values)
        lines.append(f"account {account}: {found.describe()}, now in {render_path(path, namespace)}")
    gone += [f"{found.entry}: {found.keys()}: account {account} is no longer replicated to"
             for account, found in replaced.credentials.items() if account not in accounts]
    return placed, lines, gone


def accounts_without_credentials(values: Mapping[str, Any], namespace: str) -> list[str]:
    """One line per account whose provider entry gives neither ``profile`` nor ``roleArn``."""
    lines = []
    for path, account in provider_entries(values):
        entry = values[str(path[0])] if len(path) == 1 else values[str(path[0])][int(path[1])]
        if not any(entry.get(key) is not None for key in CREDENTIAL_KEYS):
            lines.append(f"{render_path(path, namespace)}: profile or roleArn for account {account}")
    return lines


def summary(replaced: ReplacedFile, path: Path, kept_credentials: Sequence[str], not_kept: Sequence[str],
            backup: Path) -> list[str]:
    """What an import keeps of the file at ``path``, what it replaces, and where the copy of the file as it was
    is (``backup``), in lines for stderr (key names only, never a value)."""
    lines = []
    if replaced.settings:
        lines.append(f"keeping from {path}: {', '.join(replaced.settings)} (the stack's own settings)")
    if replaced.config:
        lines.append(f"keeping from {path}: {', '.join(replaced.config)} (config the import doesn't write)")
    lines += [f"keeping the credentials of {line}" for line in kept_credentials]
    lines += [f"not keeping {line}" for line in not_kept]
    if replaced.replaced:
        lines.append(f"replacing in {path}: {', '.join(replaced.replaced)}, with what was read from AWS")
    if path.suffix != ".json":  # JSON has none
        lines.append(f"not keeping the comments of {path}")
    lines.append(f"the replaced {path}, as it was, is in {backup}")
    return lines
