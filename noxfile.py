"""airlock: export Keras models to verified ONNX files through sealed environments.

Each stage runs in its own environment, synced exactly to its hash-locked lockfile:
samples (pandas, only for --samples FILE.csv/.parquet) -> extract (TensorFlow) ->
assemble (onnx) -> verify (onnxruntime). ``nox -s export -- MODEL ...`` runs the
chain; ``nox -l`` lists every session.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nox

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from stages.compat import VERIFY_LINES  # noqa: E402
from stages.console import EXIT_USAGE, AirlockError  # noqa: E402
from stages.plan import TF_LINES, ExportPlan, parse_export_arguments  # noqa: E402

nox.needs_version = ">=2026.10.20"
nox.options.default_venv_backend = "uv"
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["export"]

PYTHON = "3.11"
LOCKFILES = ROOT / "lockfiles"
#: Where each test directory runs: the environment it needs, by lockfile name.
TEST_SUITES = {
    "assemble": ["tests/interchange", "tests/assemble"],
    "verify": ["tests/verify", "tests/plan"],
    "verify-ort1.17": ["tests/interchange", "tests/verify"],
    "samples": ["tests/samples"],
    "lint": [],
    f"extract-tf{TF_LINES[-1]}": [
        "tests/interchange",
        "tests/extract",
        "tests/hostile",
        "tests/e2e",
    ],
    "extract-tf2.15": ["tests/interchange", "tests/keras2"],
}

#: TensorFlow's start-up chatter off; oneDNN's reordered float sums off, so the
#: reference outputs do not depend on which kernels the CPU picks.
TENSORFLOW_QUIET = {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0"}


def _python_found(version: str) -> bool:
    """Whether Python ``version`` is on PATH or known to uv, which builds the
    environments."""
    if shutil.which(f"python{version}"):
        return True
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        return False
    found = subprocess.run(
        [uv, "python", "find", version], capture_output=True, check=False
    )
    return found.returncode == 0


#: Without the interpreter the extract sessions cannot build their environments;
#: they then run without one, only to say so (see extract).
PYTHON_FOUND = _python_found(PYTHON)
_STARTED = time.time()
_plans: dict[tuple[str, ...], ExportPlan] = {}


def _plan(session: nox.Session) -> ExportPlan:
    """The export plan of this run's arguments; a bad argument ends the run."""
    key = tuple(session.posargs)
    if key not in _plans:
        try:
            plan = parse_export_arguments(key, Path(session.invoked_from))
        except AirlockError as error:
            print(f"airlock: error: {error}", file=sys.stderr, flush=True)
            sys.exit(error.exit_code)
        for job in plan.jobs:
            line = f"TensorFlow {job.line}" if job.line else "no extraction"
            session.log(f"{job.source}: {line} ({job.reason}) -> {job.directory}")
        session.log(
            f"opset {plan.opset}; verified on onnxruntime {plan.verify_line} "
            f"({plan.verify_reason})"
        )
        _plans[key] = plan
    return _plans[key]


def _sync(session: nox.Session, environment: str) -> None:
    """Make the session's environment exactly ``lockfiles/<environment>.txt``.

    uv checks every package against the lockfile's hashes when it installs it. A
    reused environment whose lockfile changed since its last sync is reinstalled
    from scratch, so that a changed hash is checked too; the stamp that records
    the last synced lockfile is written only after a successful sync.
    """
    lockfile = LOCKFILES / f"{environment}.txt"
    location = Path(session.virtualenv.location)
    stamp = location / "airlock-lockfile.sha256"
    expected = f"{environment} {_sha256(lockfile)}"
    reinstall = not stamp.is_file() or stamp.read_text().strip() != expected
    if reinstall:
        # Only a sync that finishes may record the new lockfile. A matching
        # stamp stays, so an export running beside this one is not reinstalled.
        stamp.unlink(missing_ok=True)
    session.run_install(
        "uv",
        "pip",
        "sync",
        "--require-hashes",
        *(["--reinstall"] if reinstall else []),
        "--python",
        str(location / "bin" / "python"),
        str(lockfile.relative_to(ROOT)),
        silent=True,
    )
    written = stamp.with_name(f".{stamp.name}.{os.getpid()}")
    written.write_text(expected + "\n")
    written.replace(stamp)
    session.run("uv", "pip", "list", "--python", str(location))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@nox.session(python=PYTHON, reuse_venv=True, default=False)
def samples(session: nox.Session) -> None:
    """Read --samples FILE.csv or .parquet with pandas into each model's samples.npz."""
    plan = _plan(session)
    if plan.table is None:
        session.skip("no --samples FILE.csv or .parquet to read")
    _sync(session, "samples")
    arguments = [
        str(a)
        for job in plan.jobs
        for a in ("--job", job.source, plan.samples_for(job))
    ]
    if plan.columns is not None:
        arguments += ["--columns", plan.columns]
    if plan.rows is not None:
        arguments += ["--rows", str(plan.rows)]
    try:
        session.run(
            "python", "-m", "stages.samples", "--table", str(plan.table), *arguments
        )
    except nox.command.CommandFailed as failure:
        # A usage error found in the data (an input --columns does not know) ends
        # the export with the usage exit code, as the command line's own do.
        if failure.return_code == EXIT_USAGE:
            sys.exit(EXIT_USAGE)
        raise


@nox.session(
    python=PYTHON if PYTHON_FOUND else None,
    venv_backend=None if PYTHON_FOUND else "none",
    reuse_venv=True,
    default=False,
    requires=["samples"],
)
@nox.parametrize("tf", TF_LINES)
def extract(session: nox.Session, tf: str) -> None:
    """Read Keras models with the pinned TensorFlow line and write model.npz."""
    plan = _plan(session)
    jobs = plan.jobs_for_line(tf)
    if not jobs:
        session.skip(f"no model needs the TensorFlow {tf} line")
    if not PYTHON_FOUND:
        session.error(
            f"the TensorFlow {tf} environment needs Python {PYTHON} (TensorFlow "
            f"2.15 runs on Python 3.11 at the newest), which was not found: "
            f"install it (uv python install {PYTHON}, or your system's "
            f"python{PYTHON} package) and run again"
        )
    _sync(session, f"extract-tf{tf}")
    arguments = [str(a) for job in jobs for a in ("--job", job.source, job.npz)]
    for job in jobs:
        job_samples = plan.samples_for(job)
        if job_samples is not None:
            arguments += ["--samples", str(job_samples)]
    if plan.trust_model:
        arguments.append("--trust-model")
    session.run(
        "python",
        "-m",
        "stages.extract",
        *arguments,
        env=TENSORFLOW_QUIET,
    )


@nox.session(python=PYTHON, reuse_venv=True, default=False, requires=["extract"])
def assemble(session: nox.Session) -> None:
    """Build model.onnx from model.npz with onnx and numpy only."""
    plan = _plan(session)
    _sync(session, "assemble")
    arguments = [str(a) for job in plan.jobs for a in ("--job", job.npz, job.onnx)]
    session.run(
        "python", "-m", "stages.assemble", *arguments, "--opset", str(plan.opset)
    )


@nox.session(python=PYTHON, reuse_venv=True, default=False, requires=["assemble"])
@nox.parametrize("ort", list(VERIFY_LINES))
def verify(session: nox.Session, ort: str) -> None:
    """Run model.onnx with the locked onnxruntime line and compare with TensorFlow."""
    plan = _plan(session)
    if plan.verify_line != ort:
        session.skip(f"this export verifies on onnxruntime {plan.verify_line}")
    _sync(session, VERIFY_LINES[ort])
    arguments = [
        str(a) for job in plan.jobs for a in ("--job", job.npz, job.onnx, job.report)
    ]
    session.run(
        "python",
        "-m",
        "stages.verify",
        *arguments,
        "--rtol",
        str(plan.rtol),
        "--atol",
        str(plan.atol),
    )


@nox.session(venv_backend="none", requires=["verify"])
def export(session: nox.Session) -> None:
    """Export models to verified ONNX: extract, assemble, verify (the default)."""
    plan = _plan(session)
    missing = []
    for job in plan.jobs:
        if not job.report.is_file() or job.report.stat().st_mtime < _STARTED:
            missing.append(job)
            continue
        report = json.loads(job.report.read_text(encoding="utf-8"))
        session.log(_verdict_line(job.name, report, job.directory))
        if report["verdict"] != "pass":
            missing.append(job)
        elif plan.expect and _sha256(job.onnx) != plan.expect:
            session.error(
                f"{job.onnx}: sha256 {_sha256(job.onnx)} differs from --expect "
                f"{plan.expect}; the rebuild is not byte-identical (see the report's "
                "manifest for what went into it)"
            )
        elif plan.expect:
            session.log(f"{job.name}: model.onnx matches the expected sha256")
    if missing:
        session.error(
            "not exported: "
            + ", ".join(f"{job.name} (see {job.directory})" for job in missing)
        )


def _verdict_line(name: str, report: dict[str, Any], directory: Path) -> str:
    errors = [o["max_abs_error"] for o in report["outputs"]]
    latency = report["latency"] or {}
    return (
        f"{name}: {report['verdict'].upper()} on onnxruntime "
        f"{report['verified_on']['onnxruntime']}, opset {report['onnx']['opset']}, "
        f"max abs error {max(errors, default=0.0):.2g}, "
        f"batch-1 latency {latency.get('median_ms', float('nan')):.3f} ms "
        f"(p90 {latency.get('p90_ms', float('nan')):.3f} ms), "
        f"{report['onnx']['size_bytes']} bytes -> {_shown(directory)}"
    )


def _shown(path: Path) -> Path:
    """``path`` relative to the working directory when it lies below it."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


@nox.session(python=PYTHON, reuse_venv=True, default=False)
@nox.parametrize("env", list(TEST_SUITES))
def tests(session: nox.Session, env: str) -> None:
    """Run the test suite, each part in the environment it needs."""
    _sync(session, env)
    if env == "lint":
        session.run("ruff", "check", ".")
        session.run("ruff", "format", "--check", ".")
        session.run("mypy")
        _check_lockfiles(session)
        return
    session.run(
        "python",
        "-m",
        "pytest",
        *TEST_SUITES[env],
        *session.posargs,
        env={
            "AIRLOCK_NOX": json.dumps([sys.executable, "-m", "nox"]),
            **TENSORFLOW_QUIET,
        },
    )


@nox.session(python=PYTHON, reuse_venv=True, default=False)
def opset_matrix(session: nox.Session) -> None:
    """Export the test zoo at every opset from 13 to the newest (slow, not in CI)."""
    _sync(session, f"extract-tf{TF_LINES[-1]}")
    session.run(
        "python",
        "-m",
        "pytest",
        "tests/e2e",
        "-k",
        "matches_tensorflow",
        *session.posargs,
        env={
            "AIRLOCK_NOX": json.dumps([sys.executable, "-m", "nox"]),
            "AIRLOCK_OPSETS": "all",
            **TENSORFLOW_QUIET,
        },
    )


@nox.session(python=PYTHON, default=False)
def lock(session: nox.Session) -> None:
    """Recompile every lockfile with hashes (-- --check: only check; -- --upgrade)."""
    if "--check" in session.posargs:
        _check_lockfiles(session)
        return
    for requirements in sorted(LOCKFILES.glob("*.in")):
        _compile(session, requirements, requirements.with_suffix(".txt"))


def _compile(session: nox.Session, requirements: Path, output: Path) -> None:
    """``uv pip compile`` for Python 3.11 on Linux x86_64; uv keeps the pins
    already in ``output`` unless told to upgrade."""
    session.run(
        "uv",
        "pip",
        "compile",
        str(requirements.relative_to(ROOT)),
        "--generate-hashes",
        "--python-version",
        PYTHON,
        "--python-platform",
        "x86_64-manylinux_2_28",
        "--custom-compile-command",
        "nox -s lock",
        "--quiet",
        "--output-file",
        str(output),
        *[arg for arg in session.posargs if arg != "--check"],
    )


def _check_lockfiles(session: nox.Session) -> None:
    """Fail when a lockfile is not what its .in file compiles to: an .in changed
    without re-locking, or a .txt edited by hand."""
    stale = []
    with tempfile.TemporaryDirectory() as scratch:
        for requirements in sorted(LOCKFILES.glob("*.in")):
            locked = requirements.with_suffix(".txt")
            fresh = Path(scratch) / locked.name
            if locked.is_file():
                shutil.copyfile(locked, fresh)
            _compile(session, requirements, fresh)
            if not locked.is_file() or fresh.read_text() != locked.read_text():
                stale.append(str(locked.relative_to(ROOT)))
    if stale:
        session.error(
            f"stale lockfiles: {', '.join(stale)}; run nox -s lock and commit them"
        )
    session.log("every lockfile matches its .in file")
