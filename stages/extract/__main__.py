"""Command line of the extract stage: ``python -m stages.extract --job MODEL NPZ``."""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from stages import interchange
from stages.console import info, info_environment, parse_arguments, run_main
from stages.environment import check_environment, versions

STAGE = "extract"


def main(argv: Sequence[str]) -> int:
    args = _parse(argv)
    import tensorflow as tf

    line = ".".join(tf.__version__.split(".")[:2])
    check_environment(f"extract-tf{line}", f"extract(tf='{line}')")
    environment = versions("tensorflow-cpu", "keras", "numpy")
    environment["tensorflow"] = environment.pop("tensorflow-cpu")
    info_environment(STAGE, environment)

    for source, target in args.job:
        extract(
            Path(source),
            Path(target),
            environment,
            args.samples,
            args.seed,
            args.trust_model,
        )
    return 0


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
    from stages.extract.samples import id_limits, load_samples, random_samples

    info(STAGE, f"{source}: loading with Keras {environment['keras']}")
    model = load_model(source, trust_model)
    graph = describe_model(model, str(source))

    if samples_path is None:
        inputs = random_samples(graph.inputs, seed, id_limits(graph.layers))
        origin: dict[str, Any] = {"kind": "random", "seed": seed}
    else:
        inputs = load_samples(samples_path, graph.inputs)
        origin = {
            "kind": "file",
            "file": samples_path.name,
            "sha256": _sha256(samples_path),
        }
    outputs = _predict(model, graph.inputs, graph.outputs, inputs)
    origin["rows"] = int(next(iter(inputs.values())).shape[0])

    arrays = dict(graph.weights)
    sample_members: dict[str, dict[str, str]] = {"inputs": {}, "outputs": {}}
    for kind, values in (("inputs", inputs), ("outputs", outputs)):
        for name, array in values.items():
            member = interchange.sample_member(kind, name)
            sample_members[kind][name] = member
            arrays[member] = array
    description = interchange.make_description(
        inputs=graph.inputs,
        layers=graph.layers,
        outputs=graph.outputs,
        samples={**sample_members, "origin": origin},
        provenance={
            "source": source.name,
            "source_sha256": _sha256(source),
            "stage": STAGE,
            "environment": environment,
        },
    )
    interchange.write(target, description, arrays)
    info(
        STAGE,
        f"{source}: {len(graph.layers)} layers, {len(graph.weights)} weight arrays, "
        f"{origin['rows']} reference rows -> {target}",
    )


def _predict(
    model: Any,
    input_specs: list[dict[str, Any]],
    output_specs: list[dict[str, Any]],
    inputs: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    import tensorflow as tf

    ordered = [inputs[spec["name"]] for spec in input_specs]
    result = model(ordered if len(ordered) > 1 else ordered[0], training=False)
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
        help="an .npz of reference inputs, one array per model input",
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
