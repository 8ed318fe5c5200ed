"""Command line of the verify stage.

``python -m stages.verify --job NPZ ONNX REPORT [--rtol R] [--atol A]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stages import compat, interchange
from stages.console import (
    EXIT_FAILED,
    EXIT_OK,
    AirlockError,
    info,
    info_environment,
    parse_arguments,
    run_main,
)
from stages.environment import (
    LOCKFILES,
    check_environment,
    installed_version,
    lockfile_sha256,
    versions,
)
from stages.files import write_atomically

STAGE = "verify"
REPORT_FORMAT = "airlock.report"
REPORT_VERSION = 1
DEFAULT_RTOL = 1e-4
DEFAULT_ATOL = 1e-5


def main(argv: Sequence[str]) -> int:
    args = _parse(argv)
    _require_onnxruntime()
    environment = versions("onnxruntime", "numpy")
    lockfile = compat.verify_lockfile(environment["onnxruntime"])
    line = compat.ort_line(environment["onnxruntime"])
    check_environment(lockfile, f"verify(ort='{line}')")
    info_environment(STAGE, environment)

    interchange.check_all([Path(npz) for npz, _, _ in args.job])
    failed = 0
    for npz, onnx_file, report_file in args.job:
        report = verify(Path(npz), Path(onnx_file), args.rtol, args.atol, environment)
        report["verified_on"] = {
            "onnxruntime": environment["onnxruntime"],
            "lockfile": f"lockfiles/{lockfile}.txt",
        }
        report["manifest"] = manifest(report, Path(npz), Path(onnx_file), lockfile)
        write_atomically(
            Path(report_file),
            (json.dumps(report, indent=2, sort_keys=True) + "\n").encode("utf-8"),
        )
        for line in summary(report):
            info(STAGE, line)
        info(STAGE, f"{report['model']}: report -> {report_file}")
        failed += report["verdict"] != "pass"
    return EXIT_FAILED if failed else EXIT_OK


def _require_onnxruntime() -> None:
    """Fail with the environments to use when onnxruntime is not installed here
    (read from package metadata, before anything imports it)."""
    if installed_version("onnxruntime") is None:
        lockfiles = ", ".join(
            f"lockfiles/{name}.txt" for name in compat.VERIFY_LINES.values()
        )
        raise AirlockError(
            f"this stage runs in a verify environment ({lockfiles}), but "
            "onnxruntime is not installed here. Run it through nox, which builds "
            "that environment: nox -s export -- MODEL"
        )


def verify(
    npz: Path, onnx_file: Path, rtol: float, atol: float, environment: dict[str, str]
) -> dict[str, Any]:
    """Run the reference inputs through ``onnx_file`` and build the report."""
    import onnxruntime

    from stages.verify.compare import compare_output, names_problem
    from stages.verify.latency import measure_latency

    data = interchange.read(npz)
    description = data.description
    try:
        session = onnxruntime.InferenceSession(
            str(onnx_file), providers=["CPUExecutionProvider"]
        )
    except Exception as error:  # onnxruntime raises its own exception types
        raise AirlockError(
            f"{onnx_file}: onnxruntime {onnxruntime.__version__} cannot load it: "
            f"{str(error).strip().splitlines()[0]}"
        ) from None
    metadata = session.get_modelmeta().custom_metadata_map

    problems = []
    input_names = [spec["name"] for spec in description["inputs"]]
    output_names = [spec["name"] for spec in description["outputs"]]
    for actual, expected, what in (
        ([i.name for i in session.get_inputs()], input_names, "inputs"),
        ([o.name for o in session.get_outputs()], output_names, "outputs"),
    ):
        problem = names_problem(actual, expected, what)
        if problem:
            problems.append(problem)

    comparisons = []
    if not problems:
        results = session.run(output_names, dict(data.sample_inputs))
        for name, actual in zip(output_names, results, strict=True):
            comparisons.append(
                compare_output(name, actual, data.sample_outputs[name], rtol, atol)
            )
        problems += [
            f"output {c.name!r}: {c.problem}" for c in comparisons if c.problem
        ]

    latency = measure_latency(session, data.sample_inputs) if not problems else None
    provenance = description["provenance"]
    return {
        "format": REPORT_FORMAT,
        "format_version": REPORT_VERSION,
        "model": onnx_file.parent.name,
        "verdict": "fail" if problems else "pass",
        "problems": problems,
        "source": {
            "file": provenance.get("source"),
            "sha256": provenance.get("source_sha256"),
        },
        "samples": description["samples"].get("origin", {}),
        "tolerance": {"rtol": rtol, "atol": atol},
        "outputs": [c.as_dict() for c in comparisons],
        "latency": latency,
        "onnx": {
            "file": onnx_file.name,
            "sha256": _sha256(onnx_file),
            "size_bytes": onnx_file.stat().st_size,
            "node_count": int(metadata.get("airlock.node_count", -1)),
            "operators": _operators(metadata.get("airlock.operators", "")),
            "opset": int(metadata.get("airlock.opset", -1)),
            "ir_version": int(metadata.get("airlock.ir_version", -1)),
        },
        "environments": _environments(provenance, metadata, environment),
    }


def manifest(
    report: dict[str, Any], npz: Path, onnx_file: Path, verify_lockfile: str
) -> dict[str, Any]:
    """What the export was made from and what it made, by sha256: the source model,
    the artifacts, and the lockfile of every stage environment. Two exports with
    the same manifest inputs give the same model.onnx."""
    extract = report["environments"]["extract"]
    line = ".".join(str(extract.get("tensorflow", "")).split(".")[:2])
    lockfiles = [f"extract-tf{line}", "assemble", verify_lockfile]
    if "samples" in report["environments"]:
        lockfiles.insert(0, "samples")
    return {
        "source": report["source"],
        "artifacts": {npz.name: _sha256(npz), onnx_file.name: _sha256(onnx_file)},
        "lockfiles": {
            f"lockfiles/{name}.txt": lockfile_sha256(name)
            for name in lockfiles
            if (LOCKFILES / f"{name}.txt").is_file()
        },
    }


def _environments(
    provenance: dict[str, Any], metadata: dict[str, str], environment: dict[str, str]
) -> dict[str, dict[str, str]]:
    """The versions each stage ran with, in pipeline order; ``samples`` only when
    the samples stage read the reference inputs from a CSV or Parquet file."""
    stages: dict[str, dict[str, str]] = {}
    if provenance.get("samples_environment"):
        stages["samples"] = provenance["samples_environment"]
    stages["extract"] = provenance.get("environment", {})
    stages["assemble"] = _prefixed(metadata, "airlock.assemble.")
    stages["verify"] = environment
    return stages


def summary(report: dict[str, Any]) -> list[str]:
    """A few lines for a person: one per output, the verdict, the environments."""
    name = report["model"]
    tolerance = report["tolerance"]
    lines = []
    for output in report["outputs"]:
        shape = "x".join(str(d) for d in output["shape"])
        lines.append(
            f"{name}: output {output['name']} {output['dtype']}[{shape}] "
            f"max abs error {output['max_abs_error']:.3g}, "
            f"max rel error {output['max_rel_error']:.3g} "
            f"({'ok' if output['passed'] else 'MISMATCH'})"
        )
    for problem in report["problems"]:
        lines.append(f"{name}: {problem}")
    onnx = report["onnx"]
    verdict = report["verdict"].upper()
    detail = (
        f"rtol {tolerance['rtol']:g}, atol {tolerance['atol']:g}; "
        f"opset {onnx['opset']}, {onnx['node_count']} nodes, {onnx['size_bytes']} bytes"
    )
    if report["latency"]:
        latency = report["latency"]
        detail += (
            f"; batch-1 latency median {latency['median_ms']:.3f} ms, "
            f"p90 {latency['p90_ms']:.3f} ms"
        )
    lines.append(f"{name}: {verdict} ({detail})")
    runtime = report.get("verified_on", {}).get("onnxruntime", "?")
    lines.append(
        f"{name}: verified on onnxruntime {runtime} at opset {onnx['opset']} "
        f"(IR {onnx['ir_version']})"
    )
    for stage, environment in report["environments"].items():
        versions_text = ", ".join(f"{k} {v}" for k, v in environment.items())
        lines.append(f"{name}: {stage} ran with {versions_text}")
    return lines


def _operators(text: str) -> dict[str, int]:
    """``{"Conv": 2, ...}`` from the ``Op=count,...`` metadata of assembly."""
    pairs = (item.split("=", 1) for item in text.split(",") if "=" in item)
    return {op: int(count) for op, count in pairs}


def _prefixed(metadata: dict[str, str], prefix: str) -> dict[str, str]:
    return {
        key[len(prefix) :]: value
        for key, value in sorted(metadata.items())
        if key.startswith(prefix)
    }


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m stages.verify",
        description="Run ONNX models with onnxruntime and compare with TensorFlow.",
    )
    parser.add_argument(
        "--job",
        nargs=3,
        action="append",
        required=True,
        metavar=("NPZ", "ONNX", "REPORT"),
        help="an interchange file, its .onnx and the report to write (repeatable)",
    )
    parser.add_argument("--rtol", type=float, default=DEFAULT_RTOL)
    parser.add_argument("--atol", type=float, default=DEFAULT_ATOL)
    return parse_arguments(parser, argv)


if __name__ == "__main__":
    run_main(STAGE, main)
