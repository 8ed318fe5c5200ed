"""What the graph reader needs to read a Keras 2 model like a Keras 3 one.

Keras 2 (TensorFlow 2.15 and older) saves the same functional graph in another
shape, and its objects name things differently:

- an inbound node is a list with one ``[layer, node, tensor, kwargs]`` entry per
  tensor of the call's first argument, the call's other arguments in ``kwargs``
  (tensors among them as ``[layer, node, tensor]``), where Keras 3 saves
  ``{"args": [...], "kwargs": {...}}`` with ``__keras_tensor__`` records;
- a Sequential model is a functional graph itself, whose config lists only
  layers;
- a node's ``output_tensors`` may be one tensor, its ``input_tensors`` are only
  the first argument, dtypes are ``tf.DType`` objects;
- normalization layers save their axes counted from the front, and a few
  weights have other names (a depthwise convolution's ``depthwise_kernel``).

:func:`functional_config` turns a Keras 2 config into the Keras 3 shape, so the
reader follows one format; the small helpers below answer the same question for
either line.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "dtype_name",
    "expects_mask",
    "functional",
    "functional_config",
    "input_tensors",
    "is_graph",
    "is_keras2",
    "output_tensors",
    "saved_config",
    "weight_role",
]

_CONSTANT = "_CONSTANT_VALUE"


def is_keras2() -> bool:
    import keras

    return int(keras.__version__.split(".")[0]) < 3


def functional(model: Any) -> Any | None:
    """A functional model with the layers and calls of the Keras 2 Sequential
    ``model``, or None when it was never built on an input."""
    import keras

    if not getattr(model, "_is_graph_network", False) or not model.inputs:
        return None
    return keras.Model(model.inputs, model.outputs, name=model.name)


def is_graph(model: Any) -> bool:
    """Whether ``model`` is a functional graph of layers (not a subclassed model,
    whose computation is Python code)."""
    if is_keras2():
        return bool(getattr(model, "_is_graph_network", False))
    from keras.src.models.functional import Functional

    return isinstance(model, Functional)


def functional_config(model: Any) -> dict[str, Any]:
    """``model.get_config()``, with Keras 2 inbound nodes in Keras 3's shape.

    Keras 2 numbers the calls of a nested model from 1 wherever it refers to them
    (the model's own graph is its node 0); they are renumbered from 0, the
    number of the call in the model's ``inbound_nodes``.
    """
    config: dict[str, Any] = model.get_config()
    if not is_keras2():
        return config
    from keras.src.engine.functional import _should_skip_first_node

    shifted = {layer.name for layer in model.layers if _should_skip_first_node(layer)}
    layers = []
    for entry in config["layers"]:
        nodes = [_node(node, shifted) for node in entry.get("inbound_nodes", [])]
        layers.append({**entry, "inbound_nodes": nodes})
    ends = {
        key: _renumbered(config[key], shifted)
        for key in ("input_layers", "output_layers")
    }
    return {**config, **ends, "layers": layers}


def _renumbered(value: Any, shifted: set[str]) -> Any:
    """``input_layers``/``output_layers`` with calls of nested models from 0."""
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
        return [value[0], _call_index(value[0], value[1], shifted), value[2]]
    if isinstance(value, dict):
        return {key: _renumbered(item, shifted) for key, item in value.items()}
    return [_renumbered(item, shifted) for item in value]


def _call_index(layer: str, node: int, shifted: set[str]) -> int:
    return node - 1 if layer in shifted else node


def _node(node: Any, shifted: set[str]) -> dict[str, Any]:
    """A Keras 2 inbound node as ``{"args": [first argument], "kwargs": {...}}``."""
    kwargs: dict[str, Any] = {}
    for entry in _entries(node):
        if len(entry) > 3 and isinstance(entry[3], dict):
            kwargs = entry[3]
            break
    if isinstance(node, list) and len(node) == 1 and _is_entry(node[0]):
        first = _first_argument(node[0], shifted)
    else:
        first = _first_argument(node, shifted)
    return {"args": [first], "kwargs": _kwargs(kwargs, shifted)}


def _is_entry(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) in (3, 4)
        and isinstance(value[0], str)
        and isinstance(value[1], int)
        and (value[0] == _CONSTANT or isinstance(value[2], int))
    )


def _entries(value: Any) -> list[list[Any]]:
    if _is_entry(value):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if not isinstance(value, list):
        return []
    return [entry for item in value for entry in _entries(item)]


def _tensor(layer: str, node: int, tensor: int, shifted: set[str]) -> dict[str, Any]:
    history = [layer, _call_index(layer, node, shifted), tensor]
    return {"class_name": "__keras_tensor__", "config": {"keras_history": history}}


def _first_argument(value: Any, shifted: set[str]) -> Any:
    """The first argument of a call, with ``[layer, node, tensor, kwargs]``
    entries as tensors and constant entries as their values."""
    if _is_entry(value):
        if value[0] == _CONSTANT:
            return value[2]
        return _tensor(value[0], value[1], value[2], shifted)
    if isinstance(value, dict):
        return {key: _first_argument(item, shifted) for key, item in value.items()}
    if isinstance(value, list):
        return [_first_argument(item, shifted) for item in value]
    return value


def _kwargs(value: Any, shifted: set[str]) -> Any:
    """Call arguments with their ``[layer, node, tensor]`` tensors as tensors."""
    if (
        isinstance(value, list)
        and len(value) == 3
        and isinstance(value[0], str)
        and all(isinstance(i, int) and not isinstance(i, bool) for i in value[1:])
    ):
        return _tensor(value[0], value[1], value[2], shifted)
    if isinstance(value, dict):
        return {key: _kwargs(item, shifted) for key, item in value.items()}
    if isinstance(value, list):
        return [_kwargs(item, shifted) for item in value]
    return value


#: Layers whose Keras 2 config holds their axes resolved against the input's
#: rank (``[3]``), where Keras 3 saves them as given (``-1`` by default).
RESOLVED_AXES = ("BatchNormalization", "LayerNormalization")


def saved_config(kind: str, config: dict[str, Any], node: Any) -> dict[str, Any]:
    """The config of one layer call as Keras 3 would save it: on Keras 2, the
    resolved axes of normalization layers count from the end again."""
    if not is_keras2() or kind not in RESOLVED_AXES:
        return config
    rank = len(input_tensors(node)[0].shape)
    axis = config.get("axis")
    if isinstance(axis, int):
        return {**config, "axis": axis - rank if axis >= 0 else axis}
    if isinstance(axis, list | tuple):
        return {**config, "axis": [a - rank if a >= 0 else a for a in axis]}
    return config


#: Weights that Keras 2 names otherwise than Keras 3, by layer class.
RENAMED_WEIGHTS = {
    "DepthwiseConv1D": {"depthwise_kernel": "kernel"},
    "DepthwiseConv2D": {"depthwise_kernel": "kernel"},
}


def weight_role(layer: Any, role: str) -> str:
    """The Keras 3 name of a weight role of ``layer``."""
    if not is_keras2():
        return role
    return RENAMED_WEIGHTS.get(type(layer).__name__, {}).get(role, role)


def output_tensors(node: Any) -> list[Any]:
    """The tensors a layer call returns, as a flat list."""
    import tensorflow as tf

    return list(tf.nest.flatten(node.output_tensors))


def input_tensors(node: Any) -> list[Any]:
    """Every Keras tensor a layer call reads (Keras 2 lists only the first
    argument's in ``input_tensors``)."""
    import tensorflow as tf

    tensors = getattr(node, "keras_inputs", None)
    if tensors is None:
        tensors = node.input_tensors
    return list(tf.nest.flatten(tensors))


def expects_mask(layer: Any) -> bool:
    """Whether the layer's ``call`` takes a ``mask`` argument."""
    found = getattr(layer, "_call_has_mask_arg", None)
    if found is None:
        found = getattr(layer, "_expects_mask_arg", False)
    return bool(found)


def dtype_name(tensor: Any) -> str:
    """``float32`` for a Keras 3 tensor (a string dtype) or a Keras 2 one."""
    return str(getattr(tensor.dtype, "name", tensor.dtype))
