"""Reproducible rebuilds: the same bytes from any checkout, checked installs,
fresh lockfiles, and the example's committed digest."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from conftest import copy_checkout, report
from noxrun import ROOT, export, nox

EXAMPLE_DIGEST = ROOT / "examples" / "intent" / "intent.onnx.sha256"
#: The environments of this checkout, shared by the copies so no test reinstalls.
ENVIRONMENTS = ROOT / ".nox"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_two_checkouts_at_different_paths_build_identical_files(
    zoo: dict[str, Path], tmp_path: Path
) -> None:
    checkouts = [
        copy_checkout(tmp_path / "a"),
        copy_checkout(tmp_path / "somewhere" / "much" / "deeper" / "b"),
    ]
    digests = []
    for checkout in checkouts:
        model = checkout / "models" / "activation_layers.keras"
        model.parent.mkdir()
        model.write_bytes(zoo["activation_layers"].read_bytes())

        run = export(
            "examples/intent/intent.keras",
            model,
            "--out",
            checkout / "dist",
            root=checkout,
            envdir=ENVIRONMENTS,
        )

        assert run.returncode == 0, run.stdout + run.stderr
        digests.append(
            {
                f"{name}/{artifact}": _sha256(checkout / "dist" / name / artifact)
                for name in ("intent", "activation_layers")
                for artifact in ("model.npz", "model.onnx")
            }
        )
    assert digests[0] == digests[1]


def test_the_example_rebuilds_to_its_committed_digest(tmp_path: Path) -> None:
    expected = EXAMPLE_DIGEST.read_text().strip()

    run = export("--out", tmp_path, "--expect", expected)

    assert run.returncode == 0, run.stdout + run.stderr
    assert "intent: model.onnx matches the expected sha256" in run.output
    manifest = report(tmp_path / "intent")["manifest"]
    assert manifest["artifacts"]["model.onnx"] == expected
    assert set(manifest["lockfiles"]) == {
        "lockfiles/assemble.txt",
        "lockfiles/extract-tf2.21.txt",
        "lockfiles/verify.txt",
    }
    assert manifest["source"]["file"] == "intent.keras"


def test_a_different_digest_fails_the_export(tmp_path: Path) -> None:
    run = export("--out", tmp_path, "--expect", "0" * 64)

    assert run.returncode == 1
    assert re.search(
        r"model\.onnx: sha256 [0-9a-f]{64} differs from --expect", run.output
    )


def test_a_tampered_lockfile_hash_stops_the_export_before_any_stage(
    tmp_path: Path,
) -> None:
    checkout = copy_checkout(tmp_path / "checkout")
    lockfile = checkout / "lockfiles" / "extract-tf2.21.txt"
    text = lockfile.read_text()
    block = re.search(r"^packaging==.*?(?=^\S)", text, flags=re.MULTILINE | re.DOTALL)
    assert block is not None
    tampered = re.sub(r"sha256:[0-9a-f]{64}", "sha256:" + "0" * 64, block.group(0))
    lockfile.write_text(text.replace(block.group(0), tampered))

    run = export("--out", checkout / "dist", root=checkout, envdir=tmp_path / "envs")

    assert run.returncode == 1
    assert "Hash mismatch for `packaging" in run.output
    assert not (checkout / "dist" / "intent" / "model.npz").exists()


def test_a_changed_requirements_file_without_relocking_is_detected(
    tmp_path: Path,
) -> None:
    checkout = copy_checkout(tmp_path / "checkout")
    requirements = checkout / "lockfiles" / "assemble.in"
    requirements.write_text(requirements.read_text() + "six\n")

    run = nox("lock", "--check", root=checkout, envdir=ENVIRONMENTS)

    assert run.returncode == 1
    assert "stale lockfiles: lockfiles/assemble.txt" in run.output
