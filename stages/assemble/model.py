"""Assemble an ONNX model from an interchange file, deterministically."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import onnx
from onnx import helper

import stages.assemble.converters  # noqa: F401  (registers every converter)
from stages import compat
from stages.assemble.builder import GraphBuilder, Tensor
from stages.assemble.converters.activations import ACTIVATIONS
from stages.assemble.registry import (
    Layer,
    accepts_any_layout,
    lookup,
    supported_kinds,
)
from stages.console import AirlockError
from stages.interchange import DTYPES, Interchange

__all__ = ["PRODUCER_NAME", "PRODUCER_VERSION", "assemble", "unsupported"]

PRODUCER_NAME = "airlock"
#: Fixed per airlock release, so that the file does not depend on installed tools.
PRODUCER_VERSION = "0.1.0"

_ELEMENT_TYPES = {
    name: helper.np_dtype_to_tensor_dtype(np.dtype(name)) for name in DTYPES
}


def unsupported(description: Mapping[str, Any]) -> list[str]:
    """Every layer kind and activation of the description that cannot be converted,
    one line each with the layers that use it."""
    kinds: dict[str, list[str]] = defaultdict(list)
    activations: dict[str, list[str]] = defaultdict(list)
    for layer in description["layers"]:
        for kind, config in _with_wrapped(layer["kind"], layer["config"]):
            if lookup(kind) is None:
                kinds[kind].append(layer["name"])
            activation = config.get("activation")
            if isinstance(activation, str) and activation not in {
                "linear",
                *ACTIVATIONS,
            }:
                activations[activation].append(layer["name"])
    lines = [
        f"layer kind {kind} (layers: {', '.join(names)})"
        for kind, names in sorted(kinds.items())
    ]
    lines += [
        f"activation {name!r} (layers: {', '.join(names)})"
        for name, names in sorted(activations.items())
    ]
    return lines


def _with_wrapped(
    kind: str, config: Mapping[str, Any]
) -> list[tuple[str, Mapping[str, Any]]]:
    """A layer's kind and config, followed by those of the layer it wraps."""
    found = [(kind, config)]
    inner = config.get("layer")
    if isinstance(inner, dict) and isinstance(inner.get("kind"), str):
        found += _with_wrapped(inner["kind"], inner.get("config", {}))
    return found


def assemble(
    data: Interchange,
    opset: int,
    metadata: Mapping[str, str],
    source: str = "model.npz",
) -> onnx.ModelProto:
    """The checked ONNX model of ``data`` at ``opset``; ``metadata`` goes into the
    file's metadata properties, ``source`` names the input in errors."""
    description = data.description
    problems = unsupported(description)
    if problems:
        raise AirlockError(
            f"{source}: cannot convert {len(problems)} item(s):\n  "
            + "\n  ".join(problems)
            + "\nSupported layer kinds: "
            + ", ".join(supported_kinds())
            + "\nSupported activations: linear, "
            + ", ".join(sorted(ACTIVATIONS))
        )

    builder = GraphBuilder(opset)
    tensors: dict[str, Tensor] = {}
    graph_inputs = []
    for spec in description["inputs"]:
        builder.reserve(spec["name"])
        tensors[spec["name"]] = Tensor(
            spec["name"], spec["dtype"], tuple(spec["shape"])
        )
        graph_inputs.append(_value_info(spec["name"], spec["dtype"], spec["shape"]))

    for record in description["layers"]:
        layer = Layer.from_record(record)
        convert = lookup(layer.kind)
        assert convert is not None  # checked by unsupported()
        builder.scope(layer.name)
        inputs = [tensors[name] for name in record["inputs"]]
        if not accepts_any_layout(layer.kind):
            inputs = [builder.keras(tensor) for tensor in inputs]
        outputs = convert(layer, data.layer_weights(record), inputs, builder)
        if len(outputs) != len(record["outputs"]):
            raise RuntimeError(
                f"converter of {layer.kind} returned {len(outputs)} tensors for "
                f"layer {layer.name!r}, which has {len(record['outputs'])} outputs"
            )
        tensors.update(zip(record["outputs"], outputs, strict=True))

    graph_outputs = []
    renamed: dict[str, str] = {}
    for spec in description["outputs"]:
        builder.scope(spec["name"])
        value = builder.keras(tensors[spec["tensor"]]).name
        _expose(builder, value, spec["name"], renamed)
        graph_outputs.append(_value_info(spec["name"], spec["dtype"], spec["shape"]))

    graph = helper.make_graph(
        builder.nodes,
        _graph_name(description),
        graph_inputs,
        graph_outputs,
        initializer=builder.initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", opset)],
        ir_version=compat.IR_VERSION_FOR_OPSET[opset],
        producer_name=PRODUCER_NAME,
        producer_version=PRODUCER_VERSION,
    )
    properties = {
        **metadata,
        "airlock.node_count": str(len(model.graph.node)),
        "airlock.operators": _operator_counts(model.graph.node),
        "airlock.opset": str(opset),
        "airlock.ir_version": str(model.ir_version),
    }
    helper.set_model_props(model, dict(sorted(properties.items())))
    try:
        onnx.checker.check_model(model, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as error:
        raise RuntimeError(
            f"{source}: the assembled graph is invalid: {error}"
        ) from None
    return model


def _value_info(name: str, dtype: str, shape: Sequence[int | None]) -> Any:
    dims: list[int | str | None] = []
    for axis, dim in enumerate(shape):
        if dim is not None:
            dims.append(dim)
        else:
            dims.append("batch" if axis == 0 else f"{name}_dim{axis}")
    return helper.make_tensor_value_info(name, _ELEMENT_TYPES[dtype], dims)


def _expose(
    builder: GraphBuilder, value: str, output: str, renamed: dict[str, str]
) -> None:
    """Make ``value`` available under the graph output name ``output``.

    A value that a node writes is renamed in place (``renamed`` remembers it); a
    graph input, or a value that another output already took, is copied with an
    Identity node.
    """
    producers = [node for node in builder.nodes if value in node.output]
    if value in renamed or not producers:
        source = renamed.get(value, value)
        node = helper.make_node(
            "Identity", [source], [output], name=f"{output}/Identity"
        )
        builder.nodes.append(node)
        return
    for node in builder.nodes:
        for field in (node.input, node.output):
            for index, name in enumerate(field):
                if name == value:
                    field[index] = output
    renamed[value] = output


def _operator_counts(nodes: Sequence[onnx.NodeProto]) -> str:
    """``Op=count`` pairs, sorted by operator: what the graph is made of."""
    counts = Counter(node.op_type for node in nodes)
    return ",".join(f"{op}={count}" for op, count in sorted(counts.items()))


def _graph_name(description: Mapping[str, Any]) -> str:
    source = str(description["provenance"].get("source", "model"))
    return source.rsplit(".", 1)[0] or "model"
