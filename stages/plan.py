"""The export command line: which models, which stages, where the files go.

``nox -s export -- MODEL [MODEL ...] [options]`` passes the same arguments to every
stage session; each session reads them through :func:`parse_export_arguments` and
handles the jobs that concern it. Standard library and ``packaging`` only: this runs
in nox's own environment.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from stages import compat, modelfile, tables
from stages.console import UsageError
from stages.files import unwritable

__all__ = [
    "DEFAULT_MODEL",
    "KERAS2_LINE",
    "TF_LINES",
    "ExportPlan",
    "Job",
    "choose_line",
    "parse_export_arguments",
]

#: The bundled example, exported when no model is named.
DEFAULT_MODEL = Path("examples/intent/intent.keras")
#: TensorFlow lines with an extract environment, oldest first.
TF_LINES = ("2.15", "2.21")
#: The line that reads models saved by Keras 2 (TensorFlow 2.15 or older).
KERAS2_LINE = "2.15"
DEFAULT_RTOL = 1e-4
DEFAULT_ATOL = 1e-5
ARTIFACT_NPZ = "model.npz"
#: The reference samples the samples stage writes from a CSV or Parquet file.
ARTIFACT_SAMPLES = "samples.npz"


@dataclass(frozen=True)
class Job:
    """One model to export."""

    source: Path
    name: str
    directory: Path
    #: The TensorFlow line that extracts it; None when it is already an .npz.
    line: str | None
    #: Why that line was chosen, for the log.
    reason: str

    @property
    def npz(self) -> Path:
        return self.directory / ARTIFACT_NPZ if self.line else self.source

    @property
    def onnx(self) -> Path:
        return self.directory / "model.onnx"

    @property
    def report(self) -> Path:
        return self.directory / "report.json"


@dataclass(frozen=True)
class ExportPlan:
    """Everything the stages of one export need to know."""

    jobs: tuple[Job, ...]
    out: Path
    opset: int
    samples: Path | None
    rtol: float
    atol: float
    #: The onnxruntime line that verifies, one of compat.VERIFY_LINES.
    verify_line: str = compat.NEWEST_ORT
    #: Why that line verifies, for the log.
    verify_reason: str = "the newest locked onnxruntime"
    #: The sha256 the (single) model.onnx must have, from --expect.
    expect: str | None = None
    #: ``--columns`` as the samples stage takes it (a file as an absolute path).
    columns: str | None = None
    #: ``--rows``: how many rows of a table to use; None for the default.
    rows: int | None = None
    #: The user trusts the models to run code on load (SavedModel graphs).
    trust_model: bool = False

    def jobs_for_line(self, line: str) -> list[Job]:
        return [job for job in self.jobs if job.line == line]

    @property
    def table(self) -> Path | None:
        """The CSV or Parquet file of ``--samples``, which the samples stage reads."""
        if self.samples is not None and self.samples.suffix in tables.TABLE_SUFFIXES:
            return self.samples
        return None

    def samples_for(self, job: Job) -> Path | None:
        """The reference-samples ``.npz`` that extract reads for ``job``: the one
        given, the one the samples stage writes from a table, or None (random)."""
        if self.table is not None:
            return job.directory / ARTIFACT_SAMPLES
        return self.samples


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see: nox -s export -- --help)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="nox -s export --",
        description="Export Keras models to verified ONNX files.",
    )
    parser.add_argument(
        "models",
        nargs="*",
        type=Path,
        metavar="MODEL",
        help=f"a .keras or .h5 file, a SavedModel directory, or a model.npz "
        f"written by an earlier export (default: {DEFAULT_MODEL})",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("build"),
        metavar="DIR",
        help="artifacts go to DIR/<model name>/ (default: build)",
    )
    parser.add_argument(
        "--opset",
        type=int,
        metavar="N",
        help=f"ONNX opset, {compat.MIN_OPSET}..{compat.MAX_OPSET} "
        f"(default {compat.DEFAULT_OPSET}, or lower if --target-ort needs it)",
    )
    parser.add_argument(
        "--target-ort",
        metavar="VERSION",
        help="the onnxruntime release you deploy on: caps the opset to what it "
        f"loads, and verifies on it if it is a locked line "
        f"({', '.join(compat.VERIFY_LINES)})",
    )
    parser.add_argument(
        "--samples",
        type=Path,
        metavar="FILE",
        help="reference inputs: an .npz with one array per model input, or a .csv "
        "or .parquet table read by the samples stage (default: seeded random data)",
    )
    parser.add_argument(
        "--columns",
        metavar="MAPPING",
        help="with a table: which columns feed which input, "
        "'input=colA,colB;other=colC' or a .json/.toml file "
        "(default: one input takes every column in file order)",
    )
    parser.add_argument(
        "--rows",
        type=int,
        metavar="N",
        help=f"with a table: use its first N rows (default: the first "
        f"{tables.DEFAULT_ROWS}, or all if fewer)",
    )
    parser.add_argument(
        "--tf",
        choices=TF_LINES,
        help="the TensorFlow line to extract with (default: chosen from the model)",
    )
    parser.add_argument(
        "--expect",
        metavar="SHA256",
        help="fail unless the rebuilt model.onnx has this sha256 (one model only)",
    )
    parser.add_argument(
        "--trust-model",
        action="store_true",
        help="load models that run TensorFlow graph code when loaded (SavedModel "
        "directories); only for files you trust",
    )
    for name, default in (("rtol", DEFAULT_RTOL), ("atol", DEFAULT_ATOL)):
        parser.add_argument(
            f"--{name}",
            type=float,
            default=default,
            help=f"verification tolerance, abs(onnx - tf) <= atol + rtol * abs(tf) "
            f"(default {default:g})",
        )
    return parser


def parse_export_arguments(argv: Sequence[str], cwd: Path) -> ExportPlan:
    """The plan for ``argv``; relative paths are taken from ``cwd``."""
    args = _parser().parse_args(list(argv))
    highest = compat.max_opset_for(args.target_ort)
    opset = args.opset if args.opset is not None else min(compat.DEFAULT_OPSET, highest)
    compat.check_opset(opset, args.target_ort)
    verify_line, verify_reason = _verify_line(args.target_ort)
    for option in ("rtol", "atol"):
        if not getattr(args, option) >= 0:
            raise UsageError(f"--{option} must be a number >= 0")

    out = cwd / args.out
    _check_out(out, args.out)
    samples = _samples(cwd, args.samples)
    columns = _table_options(cwd, samples, args.columns, args.rows)

    models = args.models or [DEFAULT_MODEL]
    base = cwd if args.models else Path(__file__).resolve().parent.parent
    jobs = [
        _job(base, model, out, args.tf, samples, args.trust_model) for model in models
    ]
    names = [job.name for job in jobs]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise UsageError(
            f"several models would be written to the same directory: "
            f"{', '.join(str(out / name) for name in twice)}; "
            "export them in separate runs with different --out directories"
        )
    expect = _expected_digest(args.expect, jobs)
    return ExportPlan(
        tuple(jobs),
        out,
        opset,
        samples,
        args.rtol,
        args.atol,
        verify_line,
        verify_reason,
        expect,
        columns,
        args.rows,
        args.trust_model,
    )


def _expected_digest(expect: str | None, jobs: Sequence[Job]) -> str | None:
    if expect is None:
        return None
    digest = expect.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise UsageError(f"--expect {expect}: not a sha256 digest (64 hex digits)")
    if len(jobs) != 1:
        raise UsageError(
            f"--expect applies to one model, but {len(jobs)} were given; "
            "export them one at a time"
        )
    return digest


def _verify_line(target_ort: str | None) -> tuple[str, str]:
    if target_ort is None:
        return compat.NEWEST_ORT, "the newest locked onnxruntime"
    line = compat.ort_line(target_ort)
    if line in compat.VERIFY_LINES:
        return line, f"--target-ort {target_ort}"
    return compat.NEWEST_ORT, (
        f"onnxruntime {line} has no locked verify environment; the opset is capped "
        f"for it and the newest locked onnxruntime verifies"
    )


def _check_out(out: Path, given: Path) -> None:
    """Refuse an output directory that cannot be created or written, before any
    stage runs."""
    problem = unwritable(out)
    if problem:
        raise UsageError(f"--out {given}: {problem}; choose another directory")


def _samples(cwd: Path, samples: Path | None) -> Path | None:
    if samples is None:
        return None
    path = cwd / samples
    try:
        path.open("rb").close()
    except FileNotFoundError:
        raise UsageError(f"--samples {samples}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"--samples {samples}: is a directory") from None
    except OSError as error:
        raise UsageError(
            f"--samples {samples}: cannot be read ({error.strerror})"
        ) from None
    if path.suffix != ".npz" and path.suffix not in tables.TABLE_SUFFIXES:
        raise UsageError(
            f"--samples {samples}: expected an .npz file with one array per model "
            "input, or a .csv or .parquet table"
        )
    return path


def _table_options(
    cwd: Path, samples: Path | None, columns: str | None, rows: int | None
) -> str | None:
    """``--columns`` checked and ready for the samples stage; checks ``--rows``."""
    if samples is None or samples.suffix not in tables.TABLE_SUFFIXES:
        for option, value in (("--columns", columns), ("--rows", rows)):
            if value is not None:
                raise UsageError(
                    f"{option} applies to a .csv or .parquet file given to --samples"
                )
        return None
    if rows is not None and rows < 1:
        raise UsageError(f"--rows {rows}: must be at least 1")
    if columns is None:
        return None
    tables.parse_columns(columns, cwd)
    if tables.is_mapping_file(columns):
        return str(cwd / columns)
    return columns


def _job(
    base: Path,
    given: Path,
    out: Path,
    tf: str | None,
    samples: Path | None,
    trust_model: bool,
) -> Job:
    source = base / given
    try:
        is_directory = source.is_dir()
    except OSError as error:
        raise UsageError(f"{given}: cannot be read ({error.strerror})") from None
    if is_directory:
        if not modelfile.is_savedmodel(source):
            raise UsageError(
                f"{given}: is a directory without saved_model.pb; airlock exports "
                ".keras and .h5 files and SavedModel directories"
            )
        if tf is not None and tf != KERAS2_LINE:
            raise UsageError(
                f"{given}: SavedModel directories are read by the TensorFlow "
                f"{KERAS2_LINE} line; Keras 3 cannot load them as models (drop --tf)"
            )
        if not trust_model:
            raise UsageError(
                f"{given}: loading a SavedModel directory runs the TensorFlow graph "
                "code saved in it; pass --trust-model if you trust where it comes "
                "from, or export a .keras file instead"
            )
    else:
        try:
            source.open("rb").close()
        except FileNotFoundError:
            raise UsageError(f"{given}: no such model file") from None
        except OSError as error:
            raise UsageError(f"{given}: cannot be read ({error.strerror})") from None

    name = source.name if source.is_dir() else source.stem
    if source.suffix == ".npz":
        if samples is not None:
            raise UsageError(
                f"--samples applies when extracting; {source} already holds its "
                "reference samples"
            )
        name = source.parent.name if source.name == ARTIFACT_NPZ else source.stem
        return Job(source, name, out / name, None, "already extracted")
    if source.name == "saved_model.pb":
        raise UsageError(
            f"{given}: pass the SavedModel directory that holds saved_model.pb"
        )
    if not source.is_dir() and source.suffix not in (
        ".keras",
        *modelfile.HDF5_SUFFIXES,
    ):
        raise UsageError(
            f"{given}: unsupported model format '{source.suffix}'; airlock exports "
            ".keras and .h5 files, SavedModel directories and the model.npz of an "
            "earlier export"
        )
    line, reason = (tf, "chosen with --tf") if tf else choose_line(source)
    return Job(source, name, out / name, line, reason)


def choose_line(source: Path) -> tuple[str, str]:
    """The TensorFlow line that reads ``source``, and why.

    Keras 2 files go to the TensorFlow 2.15 line and Keras 3 files (a ``.keras``
    archive, or an ``.h5`` file that Keras 3 saved) to the newest. When the file
    does not say, a ``.keras`` archive goes to the newest line and an HDF5 file to
    the Keras 2 line, which wrote most of them.
    """
    newest = TF_LINES[-1]
    if modelfile.is_savedmodel(source):
        return KERAS2_LINE, "a SavedModel directory, written by Keras 2"
    hdf5 = source.suffix in modelfile.HDF5_SUFFIXES
    try:
        if hdf5:
            version = modelfile.hdf5_keras_version(source)
        else:
            version = modelfile.keras_archive_version(source)
    except modelfile.UnreadableVersionError as error:
        fallback = KERAS2_LINE if hdf5 else newest
        return fallback, f"the Keras version saved in the file is unknown: {error}"
    if version.major < 3:
        return KERAS2_LINE, f"saved by Keras {version}"
    return newest, f"saved by Keras {version}"
