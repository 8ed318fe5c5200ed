"""Turn a loaded Keras model into the normalized layer graph of the interchange file.

The wiring comes from the functional config Keras itself saves (a Sequential model is
read through the functional graph Keras builds for it), shapes and dtypes from the
symbolic tensors of each layer call, weights from the layer objects. A layer called
more than once becomes one record per call; the records share weight members.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stages.console import AirlockError
from stages.extract.normalizers import UnsupportedConfigError, normalize
from stages.interchange import weight_member

__all__ = ["Graph", "describe_model"]


@dataclass
class Graph:
    """The parts of a description that come from the model, with its weights."""

    inputs: list[dict[str, Any]] = field(default_factory=list)
    layers: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[dict[str, Any]] = field(default_factory=list)
    weights: dict[str, np.ndarray] = field(default_factory=dict)


def describe_model(model: Any, source: str) -> Graph:
    """The normalized layer graph of ``model``; ``source`` names it in errors."""
    import keras

    functional = model
    if isinstance(model, keras.Sequential):
        functional = getattr(model, "_functional", None)
        if functional is None:
            raise AirlockError(
                f"{source}: the Sequential model was saved without an input shape; "
                "build it (keras.Input or model.build) before saving"
            )
    config = functional.get_config()
    layers_by_name = {layer.name: layer for layer in functional.layers}

    graph = Graph()
    problems: list[str] = []
    for entry in config["layers"]:
        layer = layers_by_name.get(entry["name"])
        if layer is None:
            # A Keras operation called on tensors, such as the NotEqual that
            # computes an Embedding's mask for a layer that reads it.
            problems.append(
                f"operation {entry['name']!r} ({entry['class_name']}): Keras "
                "operations outside a layer are not supported"
            )
            continue
        if entry["class_name"] == "InputLayer":
            graph.inputs.append(_input_spec(layer))
            continue
        for node_index, node in enumerate(entry["inbound_nodes"]):
            if _reads_mask(layer, node_index):
                problems.append(
                    f"layer {layer.name!r} ({entry['class_name']}) reads a Keras "
                    "mask (from Embedding(mask_zero=True) or Masking); the "
                    "exported graph carries no masks and would compute as if "
                    "there were none"
                )
            try:
                graph.layers.append(_layer_record(layer, entry, node_index, node))
            except UnsupportedConfigError as error:
                problems.append(
                    f"layer {layer.name!r} ({entry['class_name']}): {error}"
                )
        _collect_weights(layer, graph.weights, problems)
    if problems:
        raise AirlockError(
            f"{source}: {len(problems)} problem(s) found:\n  " + "\n  ".join(problems)
        )
    graph.layers = _topological(graph.layers, {spec["name"] for spec in graph.inputs})

    output_names = _unique_names(getattr(model, "output_names", None), config)
    for name, history, tensor in zip(
        output_names,
        _histories(config["output_layers"]),
        functional.outputs,
        strict=True,
    ):
        graph.outputs.append(
            {
                "name": name,
                "tensor": _tensor_name(*history),
                "dtype": str(tensor.dtype),
                "shape": list(tensor.shape),
            }
        )
    _check_inputs_order(graph, config)
    return graph


def _topological(
    records: list[dict[str, Any]], available: set[str]
) -> list[dict[str, Any]]:
    """The records in an order where each reads only tensors written before it.

    Keras lists layers, not calls: the second call of a shared layer may read a
    tensor that a later layer writes. The saved order is kept where it works.
    """
    ordered: list[dict[str, Any]] = []
    pending = list(records)
    while pending:
        ready = next(
            (r for r in pending if all(t in available for t in r["inputs"])), None
        )
        if ready is None:
            names = ", ".join(r["name"] for r in pending)
            raise AirlockError(f"the layer graph has a cycle through: {names}")
        pending.remove(ready)
        ordered.append(ready)
        available.update(ready["outputs"])
    return ordered


def _input_spec(layer: Any) -> dict[str, Any]:
    tensor = layer.output
    return {"name": layer.name, "dtype": str(tensor.dtype), "shape": list(tensor.shape)}


def _layer_record(
    layer: Any, entry: dict[str, Any], node_index: int, node: dict[str, Any]
) -> dict[str, Any]:
    kind = entry["class_name"]
    inputs = [_tensor_name(*history) for history in _node_histories(node)]
    keras_node = layer._inbound_nodes[node_index]
    outputs = [
        _tensor_name(layer.name, node_index, index)
        for index in range(len(keras_node.output_tensors))
    ]
    record_name = layer.name if node_index == 0 else f"{layer.name}/call{node_index}"
    return {
        "name": record_name,
        "kind": kind,
        "config": normalize(kind, entry["config"]),
        "inputs": inputs,
        "outputs": outputs,
        "output_shapes": [list(t.shape) for t in keras_node.output_tensors],
        "output_dtypes": [str(t.dtype) for t in keras_node.output_tensors],
        "weights": {
            _role(weight): weight_member(layer.name, _role(weight))
            for weight in layer.weights
        },
    }


def _reads_mask(layer: Any, node_index: int) -> bool:
    """Whether a layer call receives a mask that changes what it computes.

    Keras passes the mask attached to an input tensor to layers whose ``call``
    takes a ``mask`` argument (pooling, recurrent, attention, Softmax ...); other
    layers pass it on or drop it without looking at it.
    """
    if not getattr(layer, "_call_has_mask_arg", False):
        return False
    tensors = layer._inbound_nodes[node_index].input_tensors
    return any(getattr(t, "_keras_mask", None) is not None for t in tensors)


def _collect_weights(
    layer: Any, weights: dict[str, np.ndarray], problems: list[str]
) -> None:
    for weight in layer.weights:
        array = np.asarray(weight.numpy())
        if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
            problems.append(
                f"layer {layer.name!r}: weight {_role(weight)!r} holds NaN or "
                "infinite values; fix or retrain the model before export"
            )
        weights[weight_member(layer.name, _role(weight))] = array


def _role(weight: Any) -> str:
    """A weight's role within its layer: ``kernel``, ``bias``, ``gamma`` ..."""
    return str(getattr(weight, "path", weight.name)).split("/")[-1].split(":")[0]


def _tensor_name(layer: str, node_index: int, tensor_index: int) -> str:
    if node_index == 0 and tensor_index == 0:
        return layer
    return f"{layer}:{node_index}:{tensor_index}"


def _node_histories(node: dict[str, Any]) -> list[tuple[str, int, int]]:
    """The ``(layer, node, tensor)`` of every Keras tensor a layer call reads."""
    found: list[tuple[str, int, int]] = []

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            if value.get("class_name") == "__keras_tensor__":
                layer, node_index, tensor_index = value["config"]["keras_history"]
                found.append((layer, int(node_index), int(tensor_index)))
                return
            for item in value.values():
                visit(item)
        elif isinstance(value, list | tuple):
            for item in value:
                visit(item)

    visit(node.get("args", []))
    visit(node.get("kwargs", {}))
    return found


def _histories(value: Any) -> list[tuple[str, int, int]]:
    """``input_layers``/``output_layers`` of a functional config, as a flat list."""
    if isinstance(value, dict):
        return [h for key in sorted(value) for h in _histories(value[key])]
    if len(value) == 3 and isinstance(value[0], str):
        return [(value[0], int(value[1]), int(value[2]))]
    return [h for item in value for h in _histories(item)]


def _unique_names(names: Any, config: dict[str, Any]) -> list[str]:
    histories = _histories(config["output_layers"])
    if names and len(names) == len(histories) and len(set(names)) == len(names):
        return [str(name) for name in names]
    return [_tensor_name(*history) for history in histories]


def _check_inputs_order(graph: Graph, config: dict[str, Any]) -> None:
    order = [layer for layer, _, _ in _histories(config["input_layers"])]
    by_name = {spec["name"]: spec for spec in graph.inputs}
    graph.inputs = [by_name[name] for name in order]
