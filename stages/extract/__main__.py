"""Command line of the extract stage: ``python -m stages.extract --job MODEL NPZ``."""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from stages import interchange
from stages.console import (
    AirlockError,
    UsageError,
    combine,
    info,
    info_environment,
    parse_arguments,
    run_main,
)
from stages.environment import check_environment, installed_version, versions
from stages.extract.samples import check_samples_file
from stages.extract.screening import screen_keras_file
from stages.files import unwritable
from stages.plan import TF_LINES

STAGE = "extract"


def main(argv: Sequence[str]) -> int:
    args = _parse(argv)
    line = _tensorflow_line()
    check_environment(f"extract-tf{line}", f"extract(tf='{line}')")
    _screen([(Path(source), Path(target)) for source, target in args.job], args.samples)
    environment = versions("tensorflow-cpu", "keras", "numpy")
    environment["tensorflow"] = environment.pop("tensorflow-cpu")
    info_environment(STAGE, environment)

    samples = args.samples or [None]
    if len(samples) == 1:
        samples = samples * len(args.job)
    if len(samples) != len(args.job):
        raise UsageError(
            f"--samples is given {len(samples)} times for {len(args.job)} jobs; "
            "give it once for every job, or once per job in the order of --job"
        )
    refused = []
    for (source, target), samples_path in zip(args.job, samples, strict=True):
        try:
            extract(
                Path(source),
                Path(target),
                environment,
                samples_path,
                args.seed,
                args.trust_model,
            )
        except AirlockError as error:
            # The other models go on, so that one run names every refusal.
            info(STAGE, f"{source}: refused (the reason follows at the end)")
            refused.append(error)
    if refused:
        raise combine(refused)
    return 0


def _tensorflow_line() -> str:
    """The TensorFlow line installed here, read without importing TensorFlow."""
    version = installed_version("tensorflow-cpu", "tensorflow")
    line = ".".join(version.split(".")[:2]) if version else None
    if line not in TF_LINES:
        found = f"TensorFlow {version} is" if version else "TensorFlow is not"
        lockfiles = ", ".join(f"lockfiles/extract-tf{known}.txt" for known in TF_LINES)
        raise AirlockError(
            f"this stage runs in an extract environment ({lockfiles}), but {found} "
            "installed here. Run it through nox, which builds that environment: "
            "nox -s export -- MODEL"
        )
    return line


def _screen(jobs: list[tuple[Path, Path]], samples: Sequence[Path] | None) -> None:
    """Refuse broken files, configurations that name code, outputs that cannot
    be written and a broken samples file, for every job before any model is
    loaded, so that one run reports them all and none waits for TensorFlow."""
    errors = []
    for samples_path in dict.fromkeys(samples or []):
        try:
            check_samples_file(samples_path)
        except AirlockError as error:
            errors.append(error)
    for source, target in jobs:
        problem = unwritable(target.parent)
        if problem:
            errors.append(AirlockError(f"{target.parent}: {problem}"))
        if source.suffix != ".keras":
            continue
        try:
            screen_keras_file(source)
        except AirlockError as error:
            errors.append(error)
    if errors:
        raise combine(errors)


def extract(
    source: Path,
    target: Path,
    environment: dict[str, str],
    samples_path: Path | None,
    seed: int,
    trust_model: bool = False,
) -> None:
    """Read one model and write its interchange file to ``target``."""
    from stages.extract.graph import describe_model
    from stages.extract.loading import load_model

    info(STAGE, f"{source}: loading with Keras {environment['keras']}")
    model = load_model(source, trust_model)
    graph = describe_model(model, str(source))

    inputs, origin, samples_environment = _reference_inputs(graph, samples_path, seed)
    outputs = _predict(model, graph.inputs, graph.outputs, inputs, source)
    origin["rows"] = int(next(iter(inputs.values())).shape[0])

    arrays = dict(graph.weights)
    sample_members: dict[str, dict[str, str]] = {"inputs": {}, "outputs": {}}
    for kind, values in (("inputs", inputs), ("outputs", outputs)):
        for name, array in values.items():
            member = interchange.sample_member(kind, name)
            sample_members[kind][name] = member
            arrays[member] = array
    provenance: dict[str, Any] = {
        "source": source.name,
        "source_sha256": _sha256(source),
        "stage": STAGE,
        "environment": environment,
    }
    if samples_environment:
        provenance["samples_environment"] = samples_environment
    description = interchange.make_description(
        inputs=graph.inputs,
        layers=graph.layers,
        outputs=graph.outputs,
        samples={**sample_members, "origin": origin},
        provenance=provenance,
    )
    interchange.write(target, description, arrays)
    info(
        STAGE,
        f"{source}: {len(graph.layers)} layers, {len(graph.weights)} weight arrays, "
        f"{origin['rows']} reference rows -> {target}",
    )


def _reference_inputs(
    graph: Any, samples_path: Path | None, seed: int
) -> tuple[dict[str, np.ndarray], dict[str, Any], dict[str, str] | None]:
    """The reference inputs, where they came from, and the environment of the
    samples stage when it wrote them from a CSV or Parquet file."""
    from stages.extract.samples import (
        id_limits,
        load_samples,
        random_samples,
        samples_origin,
    )

    if samples_path is None:
        inputs = random_samples(graph.inputs, seed, id_limits(graph.layers))
        return inputs, {"kind": "random", "seed": seed}, None

    inputs = load_samples(samples_path, graph.inputs)
    origin: dict[str, Any] = {
        "kind": "file",
        "file": samples_path.name,
        "sha256": _sha256(samples_path),
    }
    table = samples_origin(samples_path)
    if table is None:
        return inputs, origin, None

    # Written by the samples stage: the table is the origin, and the .npz the file
    # this stage read.
    environment = table.pop("environment", None)
    origin = {**table, "npz": origin["file"], "npz_sha256": origin["sha256"]}
    return inputs, origin, environment


def _predict(
    model: Any,
    input_specs: list[dict[str, Any]],
    output_specs: list[dict[str, Any]],
    inputs: dict[str, np.ndarray],
    source: Path,
) -> dict[str, np.ndarray]:
    """TensorFlow's outputs for ``inputs``, by output name."""
    import tensorflow as tf

    ordered = [inputs[spec["name"]] for spec in input_specs]
    batch = ordered if len(ordered) > 1 else ordered[0]
    try:
        result = model(batch, training=False)
    except tf.errors.OpError as error:
        # Without oneDNN, which extract keeps off so that the reference outputs
        # do not depend on the CPU's kernels, TensorFlow convolves channels-last
        # tensors only on a CPU; XLA's CPU kernels take channels-first ones too.
        if "NHWC" not in str(error):
            raise
        info(
            STAGE,
            f"{source}: TensorFlow's CPU kernels convolve channels-last tensors "
            "only; computing the reference outputs with XLA instead",
        )
        predict = tf.function(lambda x: model(x, training=False), jit_compile=True)
        result = predict(batch)
    # Keras 3's tree.flatten and TensorFlow's nest.flatten agree on the output
    # structures of a model (a tensor, a list, a dict by sorted key); Keras 2
    # has only the latter.
    flat = tf.nest.flatten(result)
    return {
        spec["name"]: np.asarray(tensor)
        for spec, tensor in zip(output_specs, flat, strict=True)
    }


def _sha256(path: Path) -> str:
    """The sha256 of a file; of a directory, over each file's relative path and
    contents in sorted order."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else []
    for item in files or [path]:
        if path.is_dir():
            digest.update(item.relative_to(path).as_posix().encode() + b"\0")
        with item.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m stages.extract",
        description="Read Keras models and write airlock interchange files.",
    )
    parser.add_argument(
        "--job",
        nargs=2,
        action="append",
        required=True,
        metavar=("MODEL", "NPZ"),
        help="a model file and the model.npz to write (repeatable)",
    )
    parser.add_argument(
        "--samples",
        type=Path,
        action="append",
        help="an .npz of reference inputs, one array per model input; given once "
        "for every job, or once per job in the order of --job",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of random inputs")
    parser.add_argument(
        "--trust-model",
        action="store_true",
        help="load formats that run saved TensorFlow graph code (SavedModel)",
    )
    return parse_arguments(parser, argv)


if __name__ == "__main__":
    run_main(STAGE, main)
