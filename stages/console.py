"""Error types, exit codes and progress output shared by every stage.

A user error (bad argument, broken file, unsupported layer) ends in one line on
stderr and a non-zero exit, never a traceback; a traceback means a bug in airlock.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping, Sequence

__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "AirlockError",
    "UsageError",
    "combine",
    "info",
    "info_environment",
    "parse_arguments",
    "run_main",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class AirlockError(Exception):
    """A problem with the user's input or environment that a stage reports and stops."""

    exit_code = EXIT_FAILED


class UsageError(AirlockError):
    """A bad command-line argument or a path that cannot be used."""

    exit_code = EXIT_USAGE


def combine(errors: Sequence[AirlockError]) -> AirlockError:
    """One error that lists ``errors`` a line each, with the gravest exit code."""
    combined = AirlockError("\n".join(str(error) for error in errors))
    combined.exit_code = max(error.exit_code for error in errors)
    return combined


def info(stage: str, message: str) -> None:
    """Print one progress line for a person watching the export."""
    print(f"[{stage}] {message}", flush=True)


def info_environment(stage: str, environment: Mapping[str, str]) -> None:
    """Print the versions a stage runs with."""
    info(stage, "environment: " + ", ".join(f"{k} {v}" for k, v in environment.items()))


def parse_arguments(
    parser: argparse.ArgumentParser, argv: Sequence[str]
) -> argparse.Namespace:
    """``parser.parse_args`` whose errors exit with the usage-error code."""
    try:
        return parser.parse_args(argv)
    except SystemExit as exit_:
        if exit_.code:
            raise UsageError("invalid arguments (see the usage above)") from None
        raise


def run_main(stage: str, main: Callable[[Sequence[str]], int]) -> None:
    """Run a stage's ``main`` and exit with its code; user errors print one line."""
    try:
        code = main(sys.argv[1:])
    except AirlockError as error:
        print(f"airlock {stage}: error: {error}", file=sys.stderr, flush=True)
        code = error.exit_code
    except ModuleNotFoundError as error:
        # The environment check runs before a stage imports its libraries; this
        # is the last resort for a module that it does not know about.
        print(
            f"airlock {stage}: error: the Python module {error.name!r} is missing; "
            f"this stage runs in its own environment: run it through nox "
            f"(nox -s export -- MODEL)",
            file=sys.stderr,
            flush=True,
        )
        code = EXIT_FAILED
    sys.exit(code)
