"""Hostile and broken inputs, built by the tests themselves (helpers in
``hostile_files.py``).

These tests run in the extract environment: they build Keras models and ``.npz``
files, break or poison them, and run the stages in subprocesses as nox does (the
end-to-end ones through ``nox -s export``). Payloads that would execute write a
*canary* file; every test asserts that no canary appears, besides the exit code,
the message and the absence of artifacts. Runs are grouped: one run reads many
hostile files and must name each of them, so that the suite stays fast.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def canary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where every payload of this suite would write; it must never appear."""
    return tmp_path_factory.mktemp("canary") / "payload-ran"
