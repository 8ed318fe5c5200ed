"""Assembly as a whole: unsupported layers, determinism, names, versions."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import onnx
import pytest
from helpers import one_layer

from stages import compat
from stages.assemble.model import PRODUCER_NAME, PRODUCER_VERSION, assemble
from stages.assemble.registry import converter, supported_kinds
from stages.console import AirlockError
from stages.interchange import Interchange

README = Path(__file__).resolve().parents[2] / "README.md"


def _dense(units: int = 2) -> Interchange:
    rng = np.random.default_rng(0)
    weights = {
        "kernel": rng.standard_normal((3, units)).astype(np.float32),
        "bias": rng.standard_normal(units).astype(np.float32),
    }
    config = {"units": units, "activation": "relu", "use_bias": True}
    return one_layer("Dense", config, [None, 3], [None, units], weights)


def test_unsupported_kinds_are_all_listed_at_once() -> None:
    data = _dense()
    layers = data.description["layers"]
    for name, kind in (
        ("lambda", "Lambda"),
        ("conv", "Mystery"),
        ("lambda_2", "Lambda"),
    ):
        layers.append({**layers[0], "name": name, "kind": kind, "outputs": [name]})
    layers.append(
        {
            **layers[0],
            "name": "odd",
            "config": {**layers[0]["config"], "activation": "sparsemax"},
            "outputs": ["odd"],
        }
    )

    with pytest.raises(AirlockError) as error:
        assemble(data, 17, {}, source="zoo.npz")

    message = str(error.value)
    assert message.startswith("zoo.npz: cannot convert 3 item(s)")
    assert "layer kind Lambda (layers: lambda, lambda_2)" in message
    assert "layer kind Mystery (layers: conv)" in message
    assert "activation 'sparsemax' (layers: odd)" in message
    assert "Supported layer kinds: " in message
    assert "Dense" in message


def test_same_input_gives_same_bytes() -> None:
    first = assemble(_dense(), 17, {"b": "2", "a": "1"})
    second = assemble(_dense(), 17, {"a": "1", "b": "2"})

    assert first.SerializeToString(deterministic=True) == second.SerializeToString(
        deterministic=True
    )


@pytest.mark.parametrize("opset", range(compat.MIN_OPSET, compat.MAX_OPSET + 1))
def test_ir_version_follows_the_opset_not_the_installed_onnx(opset: int) -> None:
    model = assemble(_dense(), opset, {})

    assert model.ir_version == compat.IR_VERSION_FOR_OPSET[opset]
    assert [(o.domain, o.version) for o in model.opset_import] == [("", opset)]
    assert (model.producer_name, model.producer_version) == (
        PRODUCER_NAME,
        PRODUCER_VERSION,
    )


def test_locked_onnx_knows_every_supported_opset() -> None:
    assert onnx.defs.onnx_opset_version() >= compat.MAX_OPSET
    assert set(compat.IR_VERSION_FOR_OPSET) == set(
        range(compat.MIN_OPSET, compat.MAX_OPSET + 1)
    )


def test_batch_axis_stays_symbolic_and_names_follow_keras() -> None:
    model = assemble(_dense(), 17, {})

    (graph_input,) = model.graph.input
    (graph_output,) = model.graph.output
    assert graph_input.name == "x"
    assert graph_output.name == "y"
    assert graph_input.type.tensor_type.shape.dim[0].dim_param == "batch"
    assert graph_input.type.tensor_type.shape.dim[1].dim_value == 3
    assert [node.name for node in model.graph.node] == ["layer/Gemm", "layer/Relu"]
    assert [i.name for i in model.graph.initializer] == ["layer/kernel", "layer/bias"]


def test_metadata_records_provenance_and_graph_facts() -> None:
    model = assemble(_dense(), 18, {"airlock.source": "tiny.keras"})

    properties = {p.key: p.value for p in model.metadata_props}
    assert properties == {
        "airlock.source": "tiny.keras",
        "airlock.node_count": "2",
        "airlock.operators": "Gemm=1,Relu=1",
        "airlock.opset": "18",
        "airlock.ir_version": "8",
    }


def test_registering_a_kind_twice_is_an_error() -> None:
    def convert(layer, weights, inputs, builder):  # type: ignore[no-untyped-def]
        return list(inputs)

    with pytest.raises(ValueError, match="'Dense' is registered twice"):
        converter("Dense")(convert)


def test_a_converter_with_another_signature_is_refused() -> None:
    def convert(layer, inputs, builder):  # type: ignore[no-untyped-def]
        return list(inputs)

    with pytest.raises(TypeError, match="converters take"):
        converter("Unused")(convert)


def test_readme_lists_exactly_the_registered_layers() -> None:
    text = README.read_text(encoding="utf-8")
    table = text.split("<!-- supported-layers:start -->")[1].split(
        "<!-- supported-layers:end -->"
    )[0]
    rows = re.findall(r"^\| `([^`]+)` \| (.+?) \|$", table, flags=re.MULTILINE)
    documented = {family: kinds for family, kinds in rows}

    by_family: dict[str, list[str]] = {}
    for kind, family in supported_kinds().items():
        by_family.setdefault(family, []).append(kind)
    expected = {
        family: ", ".join(f"`{kind}`" for kind in sorted(kinds))
        for family, kinds in by_family.items()
    }
    assert documented == expected
