"""``nox -l``: every session listed with a whole one-line description."""

from __future__ import annotations

import re

from noxrun import list_sessions

#: A listed session: ``* name -> description`` (selected) or ``- name -> ...``.
LISTED = re.compile(r"^[*-] (?P<name>\S+) -> (?P<description>.*)$")
SESSIONS = {"samples", "extract", "assemble", "verify", "export", "tests", "lock"}


def test_every_session_is_listed_with_a_one_line_description() -> None:
    run = list_sessions()

    assert run.returncode == 0, run.output
    listed = {
        match["name"]: match["description"]
        for match in map(LISTED.match, run.stdout.splitlines())
        if match
    }
    assert {name.split("(")[0] for name in listed} >= SESSIONS
    # nox shows a docstring's first line: a whole sentence means it is one line.
    cut = {name: text for name, text in listed.items() if not text.endswith((".", ")"))}
    assert not cut, f"descriptions cut off at the end of a line: {cut}"
