"""Check that a stage runs in the environment its lockfile describes.

Every stage environment is synced exactly to ``lockfiles/<name>.txt`` by nox. A stage
started some other way (a hand-made virtualenv, the wrong nox session) would compute
with other library versions than the ones the project locked, so each stage compares
the installed distributions with the lockfile's pins before doing any work.
"""

from __future__ import annotations

import hashlib
import platform
import re
from importlib import metadata
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from stages.console import AirlockError

__all__ = [
    "LOCKFILES",
    "check_environment",
    "installed_version",
    "locked_versions",
    "lockfile_sha256",
    "versions",
]

LOCKFILES = Path(__file__).resolve().parent.parent / "lockfiles"

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def locked_versions(lockfile: Path) -> dict[str, Version]:
    """The ``name==version`` pins of a compiled lockfile, by canonical name."""
    pins: dict[str, Version] = {}
    for line in lockfile.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if not match:
            continue
        try:
            requirement = Requirement(f"{match[1]}=={match[2]}")
        except InvalidRequirement:
            continue
        pins[canonicalize_name(requirement.name)] = Version(match[2])
    return pins


def lockfile_sha256(environment: str) -> str:
    """The sha256 of ``lockfiles/<environment>.txt``, for the export's manifest."""
    return hashlib.sha256((LOCKFILES / f"{environment}.txt").read_bytes()).hexdigest()


def installed_version(*distributions: str) -> str | None:
    """The installed version of the first of ``distributions`` that is installed.

    Read from the package metadata, without importing anything: a stage asks this
    before it imports its libraries, so that running it in the wrong environment
    ends in a message and not in an ``ImportError``.
    """
    for name in distributions:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def check_environment(environment: str, session: str) -> None:
    """Fail unless every pin of ``lockfiles/<environment>.txt`` is installed."""
    lockfile = LOCKFILES / f"{environment}.txt"
    if not lockfile.is_file():
        raise AirlockError(
            f"this stage has no locked environment lockfiles/{environment}.txt; "
            f"run it through nox, which builds the right one: nox -s {session}"
        )
    wrong = []
    for name, version in sorted(locked_versions(lockfile).items()):
        try:
            installed = Version(metadata.version(name))
        except metadata.PackageNotFoundError:
            wrong.append(f"{name} is missing (locked: {version})")
            continue
        if installed != version:
            wrong.append(f"{name} is {installed} (locked: {version})")
    if wrong:
        raise AirlockError(
            f"this stage must run in the environment locked by "
            f"lockfiles/{environment}.txt, but " + "; ".join(wrong) + ". "
            f"Run it through nox, which builds that environment: nox -s {session}"
        )


def versions(*distributions: str) -> dict[str, str]:
    """Python's version and the installed versions of ``distributions``."""
    found = {"python": platform.python_version()}
    for name in distributions:
        found[name] = metadata.version(name)
    return found
