"""Command line of the assemble stage: ``python -m stages.assemble --job NPZ ONNX``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stages import compat, interchange
from stages.console import (
    AirlockError,
    combine,
    info,
    info_environment,
    parse_arguments,
    run_main,
)
from stages.environment import check_environment, versions
from stages.files import write_atomically

STAGE = "assemble"


def main(argv: Sequence[str]) -> int:
    args = _parse(argv)
    compat.check_opset(args.opset)
    check_environment("assemble", "assemble")
    environment = versions("onnx", "numpy")
    info_environment(STAGE, environment)

    interchange.check_all([Path(source) for source, _ in args.job])
    refused = []
    for source, target in args.job:
        try:
            _assemble_one(Path(source), Path(target), args.opset, environment)
        except AirlockError as error:
            # The other models go on, so that one run names every refusal.
            info(STAGE, f"{source}: refused (the reason follows at the end)")
            refused.append(error)
    if refused:
        raise combine(refused)
    return 0


def _assemble_one(
    source: Path, target: Path, opset: int, environment: dict[str, str]
) -> None:
    """Build one model.onnx from its model.npz and write it atomically."""
    from stages.assemble.model import assemble

    data = interchange.read(source)
    metadata = _metadata(data.description, environment)
    model = assemble(data, opset, metadata, source=str(source))
    write_atomically(target, model.SerializeToString(deterministic=True))
    info(
        STAGE,
        f"{source}: {len(model.graph.node)} nodes at opset {opset} "
        f"(IR {model.ir_version}) -> {target}",
    )


def _metadata(
    description: dict[str, Any], environment: dict[str, str]
) -> dict[str, str]:
    """Provenance stored in the ONNX file: where the model came from and the
    versions of the environments that extracted and assembled it."""
    provenance = description["provenance"]
    metadata = {
        "airlock.source": str(provenance.get("source", "")),
        "airlock.source_sha256": str(provenance.get("source_sha256", "")),
    }
    for name, version in sorted(provenance.get("environment", {}).items()):
        metadata[f"airlock.extract.{name}"] = str(version)
    for name, version in sorted(environment.items()):
        metadata[f"airlock.assemble.{name}"] = version
    return metadata


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m stages.assemble",
        description="Build ONNX models from airlock interchange files.",
    )
    parser.add_argument(
        "--job",
        nargs=2,
        action="append",
        required=True,
        metavar=("NPZ", "ONNX"),
        help="an interchange file and the .onnx file to write (repeatable)",
    )
    parser.add_argument(
        "--opset",
        type=int,
        default=compat.DEFAULT_OPSET,
        help=f"ONNX opset, {compat.MIN_OPSET}..{compat.MAX_OPSET} "
        f"(default {compat.DEFAULT_OPSET})",
    )
    return parse_arguments(parser, argv)


if __name__ == "__main__":
    run_main(STAGE, main)
