"""Turn a loaded Keras model into the normalized layer graph of the interchange file.

The wiring comes from the functional config Keras itself saves (a Sequential model is
read through the functional graph Keras builds for it), shapes and dtypes from the
symbolic tensors of each layer call, weights from the layer objects. A layer called
more than once becomes one record per call; the records share weight members.

Each call also tells its layer's normalizer which argument every input tensor is
(``query``, ``value``, ``inputs/0`` ...) and which other arguments it was given, so
layers whose inputs play different roles, such as attention, can record them.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stages.console import AirlockError
from stages.extract.normalizers import Call, UnsupportedConfigError, normalize
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
        layer = layers_by_name[entry["name"]]
        if entry["class_name"] == "InputLayer":
            graph.inputs.append(_input_spec(layer))
            continue
        for node_index, node in enumerate(entry["inbound_nodes"]):
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
    call = _call(layer, node, keras_node)
    outputs = [
        _tensor_name(layer.name, node_index, index)
        for index in range(len(keras_node.output_tensors))
    ]
    record_name = layer.name if node_index == 0 else f"{layer.name}/call{node_index}"
    return {
        "name": record_name,
        "kind": kind,
        "config": normalize(kind, entry["config"], call),
        "inputs": inputs,
        "outputs": outputs,
        "output_shapes": [list(t.shape) for t in keras_node.output_tensors],
        "output_dtypes": [str(t.dtype) for t in keras_node.output_tensors],
        "weights": {
            _role(layer, weight): weight_member(layer.name, _role(layer, weight))
            for weight in layer.weights
        },
    }


def _collect_weights(
    layer: Any, weights: dict[str, np.ndarray], problems: list[str]
) -> None:
    for weight in layer.weights:
        array = np.asarray(weight.numpy())
        if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
            problems.append(
                f"layer {layer.name!r}: weight {_role(layer, weight)!r} holds NaN "
                "or infinite values; fix or retrain the model before export"
            )
        weights[weight_member(layer.name, _role(layer, weight))] = array


def _role(layer: Any, weight: Any) -> str:
    """A weight's role within its layer: ``kernel``, ``bias``, ``gamma`` ...

    Weights of sub-layers keep their path below the layer, so that the kernels of
    a ``MultiHeadAttention`` stay apart: ``query/kernel``, ``key/kernel`` ...
    """
    path = str(getattr(weight, "path", weight.name)).split(":")[0]
    prefix = f"{getattr(layer, 'path', layer.name)}/"
    if path.startswith(prefix):
        return path[len(prefix) :]
    return path.split("/")[-1]


def _call(layer: Any, node: dict[str, Any], keras_node: Any) -> Call:
    """The roles of the tensors one saved call reads, its other arguments, and
    whether an input carries a Keras mask.

    Positional arguments are named after the parameters of the layer's ``call``;
    a tensor inside a list gets its index (``inputs/1``). Roles come in the order
    in which :func:`_node_histories` collects the tensors. A Keras mask (from
    ``Embedding(mask_zero=True)``, ``Masking`` ...) is not saved with the call:
    Keras passes it to the layer's ``mask`` arguments as it runs.
    """
    try:
        parameters = [
            p.name
            for p in inspect.signature(layer.call).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        parameters = []
    named = [
        (parameters[i] if i < len(parameters) else f"args/{i}", value)
        for i, value in enumerate(node.get("args", []))
    ]
    named += list(node.get("kwargs", {}).items())

    roles: list[str] = []
    arguments: dict[str, Any] = {}
    for name, value in named:
        found = _tensor_roles(value, name)
        if found:
            roles.extend(found)
        else:
            arguments[name] = value
    masked = any(
        getattr(tensor, "_keras_mask", None) is not None
        for tensor in keras_node.input_tensors
    )
    return Call(inputs=tuple(roles), arguments=arguments, masked=masked)


def _tensor_roles(value: Any, role: str) -> list[str]:
    """The role of every Keras tensor in ``value``, in :func:`_node_histories`
    order: ``role`` itself, ``role/<index>`` in lists, ``role/<key>`` in dicts."""
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            return [role]
        return [
            r
            for key, item in value.items()
            for r in _tensor_roles(item, f"{role}/{key}")
        ]
    if isinstance(value, list | tuple):
        return [
            r
            for index, item in enumerate(value)
            for r in _tensor_roles(item, f"{role}/{index}")
        ]
    return []


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
