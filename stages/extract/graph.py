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
from stages.extract import keras2
from stages.extract.normalizers import (
    Call,
    UnsupportedConfigError,
    check_call,
    normalize,
)
from stages.extract.tf_functions import TF_ACTIVATIONS, TF_FUNCTIONS
from stages.interchange import weight_member
from stages.operations import REDUCTIONS, UNARY_OPERATIONS

__all__ = ["Graph", "describe_model"]


@dataclass
class Graph:
    """The parts of a description that come from the model, with its weights."""

    inputs: list[dict[str, Any]] = field(default_factory=list)
    layers: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[dict[str, Any]] = field(default_factory=list)
    weights: dict[str, np.ndarray] = field(default_factory=dict)


def describe_model(model: Any, source: str) -> Graph:
    """The normalized layer graph of ``model``; ``source`` names it in errors.

    Models used as layers (a pretrained backbone inside a classifier) are inlined:
    their layers get records named ``<model>/<layer>``, and their weights are
    stored once however often the inner model is called.
    """
    functional = _functional(model, source)
    config = keras2.functional_config(functional)

    walker = _Walker()
    outputs = walker.walk(functional, config, prefix="", bindings=None)
    if walker.problems:
        problems = walker.problems
        raise AirlockError(
            f"{source}: {len(problems)} problem(s) found:\n  " + "\n  ".join(problems)
        )
    graph = walker.graph
    graph.layers = _topological(graph.layers, {spec["name"] for spec in graph.inputs})
    order = [name for name, _, _ in _histories(config["input_layers"])]
    graph.inputs.sort(key=lambda spec: order.index(spec["name"]))

    output_names = _unique_names(getattr(model, "output_names", None), config)
    for name, tensor_name, tensor in zip(
        output_names, outputs, functional.outputs, strict=True
    ):
        graph.outputs.append(
            {
                "name": name,
                "tensor": tensor_name,
                "dtype": keras2.dtype_name(tensor),
                "shape": list(tensor.shape),
            }
        )
    return graph


def _functional(model: Any, source: str) -> Any:
    """The functional graph of a model; Keras builds one for a Sequential model."""
    import keras

    if not isinstance(model, keras.Sequential):
        if not keras2.is_graph(model):
            raise AirlockError(
                f"{source}: {model.name!r} is a subclassed model "
                f"({type(model).__name__}), whose computation is Python code; "
                "airlock exports functional and Sequential models"
            )
        return model
    if keras2.is_keras2():
        functional = keras2.functional(model)
    else:
        functional = getattr(model, "_functional", None)
    if functional is None:
        raise AirlockError(
            f"{source}: the Sequential model {model.name!r} was saved without an "
            "input shape; build it (keras.Input or model.build) before saving"
        )
    return functional


class _Walker:
    """Collects the records of a functional graph and of the models inside it."""

    def __init__(self) -> None:
        self.graph = Graph()
        self.problems: list[str] = []
        #: Tensor names that stand for another tensor: a nested model's outputs
        #: are the outputs of its last layers.
        self.aliases: dict[str, str] = {}

    def resolve(self, name: str) -> str:
        while name in self.aliases:
            name = self.aliases[name]
        return name

    def walk(
        self,
        functional: Any,
        config: dict[str, Any],
        prefix: str,
        bindings: list[str] | None,
    ) -> list[str]:
        """Add the records of ``functional``; return its output tensor names.

        ``prefix`` goes before every name; ``bindings`` are the tensors that feed
        the inputs of a nested model (None for the top-level model, whose inputs
        become graph inputs).
        """
        import keras

        layers_by_name = {layer.name: layer for layer in functional.layers}
        # Keras 3 lists operations outside layers (x + y on tensors) here; Keras 2
        # records none, and has no such attribute.
        operations = getattr(functional, "operations", functional.layers)
        operations_by_name = {op.name: op for op in operations}
        input_names = [name for name, _, _ in _histories(config["input_layers"])]
        masks_only = _mask_only_sources(config)
        for entry in config["layers"]:
            layer = layers_by_name.get(entry["name"])
            if layer is None and entry["name"] in masks_only:
                # Computes a mask (Embedding(mask_zero=True) saves its not_equal),
                # which the exported graph does not carry; a layer that reads the
                # mask is refused by name instead.
                continue
            if layer is None:
                # Keras records an operation called on symbolic tensors outside any
                # layer (``x + y``, ``keras.ops.*``, or the mask that a Masking
                # layer computes) as an entry of its own, without a layer object.
                self._operation(operations_by_name.get(entry["name"]), entry, prefix)
                continue
            if entry["class_name"] == "TFOpLambda":
                self._tf_operation(layer, entry, prefix)
                continue
            if entry["class_name"] == "InputLayer":
                if bindings is None:
                    self.graph.inputs.append(_input_spec(layer))
                else:
                    bound = bindings[input_names.index(layer.name)]
                    self.aliases[prefix + layer.name] = bound
                continue
            for node_index, node in enumerate(entry["inbound_nodes"]):
                if isinstance(layer, keras.Model):
                    self._nested(layer, prefix, node_index, node)
                else:
                    self._record(layer, entry, prefix, node_index, node)
            if not isinstance(layer, keras.Model):
                _collect_weights(
                    layer, _weight_prefix(prefix), self.graph, self.problems
                )
        outputs = []
        for layer_name, node_index, tensor_index in _histories(config["output_layers"]):
            # Keras 3 numbers the calls of a nested functional model from 1 in
            # output_layers (its own graph is node 0) but from 0 in call arguments.
            source = layers_by_name.get(layer_name)  # None for an operation
            if (
                isinstance(source, keras.Model)
                and not isinstance(source, keras.Sequential)
                and not keras2.is_keras2()
            ):
                node_index -= 1
            name = _tensor_name(layer_name, node_index, tensor_index)
            outputs.append(self.resolve(prefix + name))
        return outputs

    def _record(
        self,
        layer: Any,
        entry: dict[str, Any],
        prefix: str,
        node_index: int,
        node: dict[str, Any],
    ) -> None:
        if _reads_mask(layer, node_index):
            self.problems.append(
                f"layer {prefix + layer.name!r} ({entry['class_name']}) reads a Keras "
                "mask (from Embedding(mask_zero=True) or Masking); the exported "
                "graph carries no masks and would compute as if there were none"
            )
            return
        try:
            record = _layer_record(layer, entry, node_index, node)
        except UnsupportedConfigError as error:
            self.problems.append(
                f"layer {prefix + layer.name!r} ({entry['class_name']}): {error}"
            )
            return
        record["name"] = prefix + record["name"]
        record["inputs"] = [self.resolve(prefix + name) for name in record["inputs"]]
        record["outputs"] = [prefix + name for name in record["outputs"]]
        if prefix:
            record["weights"] = {
                role: weight_member(_weight_prefix(prefix) + layer.name, role)
                for role in record["weights"]
            }
        self.graph.layers.append(record)

    def _operation(self, operation: Any, entry: dict[str, Any], prefix: str) -> None:
        """Record an element-wise addition, subtraction, multiplication,
        division or power of two tensors of one rank, or of a tensor and a
        number (``x + y``, ``x * 0.5``, ``x / 2.0`` in a functional model), as a
        merge record, the number as its ``scalar_operand``; an element-wise
        operation on one tensor (``keras.ops.abs(x)``, ``-x``) as a record of
        its own kind; an activation function (``keras.ops.relu(x)``) as the
        ``Activation`` layer that computes it; ``keras.ops.concatenate`` as a
        ``Concatenate`` layer; refuse every other operation, naming it."""
        name = prefix + entry["name"]
        problem = _operation_problem(operation, entry)
        if problem:
            self.problems.append(
                f"operation {name!r} ({entry['class_name']}): {problem}"
            )
            return
        activation = _activation_name(entry)
        if activation is not None:
            entry = {**entry, "class_name": "Activation"}
        for node_index, node in enumerate(entry["inbound_nodes"]):
            config: dict[str, Any] = {
                "name": entry["config"].get("name", entry["name"])
            }
            if activation is not None:
                config["activation"] = activation
            if entry["class_name"] == "Concatenate":
                # keras.ops.concatenate joins along axis 0 unless told otherwise.
                config["axis"] = entry["config"].get("axis", 0)
            if entry["class_name"] in REDUCTIONS:
                saved = entry["config"]
                config.update(
                    {key: saved[key] for key in _REDUCTION_KEYS if key in saved}
                )
            for index, value in enumerate(node.get("args", [])):
                if _is_number(value):
                    config["scalar_operand"] = {"index": index, "value": value}
            self._record(
                operation, {**entry, "config": config}, prefix, node_index, node
            )

    def _tf_operation(self, layer: Any, entry: dict[str, Any], prefix: str) -> None:
        """Record a Keras 2 ``TFOpLambda`` (``x + 3.0``, ``tf.abs(x)`` in a
        functional model) as the Keras 3 operation that computes the same, as
        Keras 3 would have saved it; refuse any other, naming it."""
        name = prefix + layer.name
        function = entry["config"].get("function")
        activation = TF_ACTIVATIONS.get(function)
        kind = "Activation" if activation else TF_FUNCTIONS.get(function)
        for node_index, node in enumerate(entry["inbound_nodes"]):
            operands = list(node.get("args", []))
            arguments = dict(node.get("kwargs", {}))
            if "y" in arguments:
                operands.append(arguments.pop("y"))
            if arguments.get("name", "") is None:
                del arguments["name"]
            if activation == "gelu" and arguments.pop("approximate", False):
                activation = "gelu_tanh"
            reduction = {}
            if kind in REDUCTIONS:
                keys = [key for key in _REDUCTION_KEYS if key in arguments]
                reduction = {key: arguments.pop(key) for key in keys}
            keras_node = layer._inbound_nodes[node_index]
            problem = _tf_operation_problem(kind, function, operands, arguments)
            problem = problem or _rank_problem(keras2.input_tensors(keras_node))
            if problem:
                self.problems.append(f"layer {name!r} (TFOpLambda): {problem}")
                continue
            config: dict[str, Any] = {"name": layer.name}
            if activation:
                config["activation"] = activation
            config.update(reduction)
            for index, value in enumerate(operands):
                if _is_number(value):
                    config["scalar_operand"] = {"index": index, "value": value}
            tensors = [value for value in operands if not _is_number(value)]
            self._record(
                layer,
                {**entry, "class_name": kind, "config": config},
                prefix,
                node_index,
                {"args": tensors, "kwargs": {}},
            )

    def _nested(
        self, model: Any, prefix: str, node_index: int, node: dict[str, Any]
    ) -> None:
        functional = _functional(model, model.name)
        inner_prefix = f"{prefix}{model.name}/"
        if node_index:
            inner_prefix += f"call{node_index}/"
        bindings = [
            self.resolve(prefix + _tensor_name(*history))
            for history in _node_histories(node)
        ]
        config = keras2.functional_config(functional)
        outputs = self.walk(functional, config, inner_prefix, bindings)
        for index, tensor in enumerate(outputs):
            self.aliases[prefix + _tensor_name(model.name, node_index, index)] = tensor


#: Keras operations that compute what a merge layer of the same name computes when
#: both operands are tensors of one rank (numpy broadcasting then agrees), and the
#: other operations on two operands that the merge converters take.
_MERGE_OPERATIONS = frozenset(
    {"Add", "Subtract", "Multiply", "TrueDivide", "Divide", "Power"}
)


def _operation_problem(operation: Any, entry: dict[str, Any]) -> str | None:
    """Why an operation outside a layer cannot be recorded, or None if it can."""
    unsupported = "a Keras operation outside a layer is not supported"
    if operation is None or entry.get("module") not in _OPERATION_MODULES:
        return unsupported
    if (
        entry["class_name"] in UNARY_OPERATIONS
        or entry["class_name"] in REDUCTIONS
        or _activation_name(entry)
    ):
        return _unary_problem(operation)
    if entry["class_name"] == "Concatenate":
        return _list_problem(operation)
    if entry["class_name"] not in _MERGE_OPERATIONS:
        return unsupported
    for keras_node in operation._inbound_nodes:
        arguments = list(keras_node.arguments.args)
        tensors = keras_node.input_tensors
        numbers = [value for value in arguments if _is_number(value)]
        if (
            keras_node.arguments.kwargs
            or len(arguments) != 2
            or len(tensors) + len(numbers) != 2
            or not tensors
        ):
            return (
                f"{unsupported} unless its operands are two tensors, or a tensor "
                "and a number"
            )
        problem = _rank_problem(tensors)
        if problem:
            return problem
    return None


def _rank_problem(tensors: list[Any]) -> str | None:
    """Why two operands cannot be combined as a merge layer would, or None:
    Keras merges insert axes after the batch axis, numpy before the first."""
    if len(tensors) == 2 and len(tensors[0].shape) != len(tensors[1].shape):
        return (
            f"operands of ranks {len(tensors[0].shape)} and "
            f"{len(tensors[1].shape)} are not supported; reshape them to one "
            "rank first"
        )
    return None


def _tf_operation_problem(
    kind: str | None, function: Any, operands: list[Any], arguments: dict[str, Any]
) -> str | None:
    """Why one call of a Keras 2 ``TFOpLambda`` cannot be recorded, or None."""
    if kind is None:
        return (
            f"TensorFlow's {function!r} is not converted; rewrite it with Keras layers"
        )
    if arguments:
        names = ", ".join(sorted(arguments))
        return f"{function} with the arguments {names} is not supported"

    numbers = [value for value in operands if _is_number(value)]
    if kind in UNARY_OPERATIONS or kind in REDUCTIONS or kind == "Activation":
        if len(operands) != 1 or numbers:
            return f"{function} is converted on one tensor only"
    elif len(operands) != 2 or len(numbers) == 2:
        return f"{function} is converted on two tensors, or a tensor and a number, only"
    return None


#: The config keys of a reduction, as Keras 3 saves them in the operation's
#: config and Keras 2 in the call's arguments.
_REDUCTION_KEYS = ("axis", "keepdims", "initial")
#: Where Keras 3 keeps the operations it may record outside layers.
_OPERATION_MODULES = ("keras.src.ops.numpy", "keras.src.ops.nn")
#: Keras 3 operations that compute an activation function, by class, and the
#: function's name as an ``Activation`` layer takes it.
_ACTIVATION_OPERATIONS = {
    "Elu": "elu",
    "Gelu": "gelu",
    "HardSigmoid": "hard_sigmoid",
    "Relu": "relu",
    "Relu6": "relu6",
    "Selu": "selu",
    "Sigmoid": "sigmoid",
    "Silu": "silu",
    "Softplus": "softplus",
    "Softsign": "softsign",
    "Tanh": "tanh",
}


def _activation_name(entry: dict[str, Any]) -> str | None:
    """The activation a Keras 3 operation computes, or None: ``Gelu`` is the tanh
    approximation unless saved with ``approximate=False``; an ``Elu`` of another
    ``alpha`` than the activation's 1.0 is none."""
    name = _ACTIVATION_OPERATIONS.get(entry["class_name"])
    config = entry.get("config") or {}
    if name == "gelu" and config.get("approximate", True):
        return "gelu_tanh"
    if name == "elu" and config.get("alpha", 1.0) != 1.0:
        return None
    return name


def _unary_problem(operation: Any) -> str | None:
    """Why an operation on one tensor cannot be recorded, or None if it can."""
    for keras_node in operation._inbound_nodes:
        arguments = keras_node.arguments
        if arguments.kwargs or len(arguments.args) != 1 or not keras_node.input_tensors:
            return (
                "a Keras operation outside a layer is not supported unless its "
                "only argument is one tensor"
            )
    return None


def _list_problem(operation: Any) -> str | None:
    """Why an operation on a list of tensors (``keras.ops.concatenate``) cannot
    be recorded, or None if it can."""
    for keras_node in operation._inbound_nodes:
        arguments = keras_node.arguments
        items = arguments.args[0] if len(arguments.args) == 1 else None
        if (
            arguments.kwargs
            or not isinstance(items, list | tuple)
            or len(keras_node.input_tensors) != len(items)
        ):
            return (
                "a Keras operation outside a layer is not supported unless its "
                "only argument is a list of tensors"
            )
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _weight_prefix(prefix: str) -> str:
    """The name prefix of weights: the nesting path without its ``callN/`` parts,
    so that every call of a shared inner model uses the same weights."""
    return "".join(
        f"{part}/" for part in prefix.split("/") if part and not _is_call(part)
    )


def _is_call(part: str) -> bool:
    return part.startswith("call") and part[4:].isdigit()


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
    return {
        "name": layer.name,
        "dtype": keras2.dtype_name(tensor),
        "shape": list(tensor.shape),
    }


def _layer_record(
    layer: Any, entry: dict[str, Any], node_index: int, node: dict[str, Any]
) -> dict[str, Any]:
    kind = entry["class_name"]
    inputs = [_tensor_name(*history) for history in _node_histories(node)]
    keras_node = layer._inbound_nodes[node_index]
    call = _call(layer, node, keras_node)
    check_call(kind, call)
    tensors = keras2.output_tensors(keras_node)
    outputs = [
        _tensor_name(layer.name, node_index, index) for index in range(len(tensors))
    ]
    record_name = layer.name if node_index == 0 else f"{layer.name}/call{node_index}"
    return {
        "name": record_name,
        "kind": kind,
        "config": normalize(
            kind, keras2.saved_config(kind, entry["config"], keras_node), call
        ),
        "inputs": inputs,
        "outputs": outputs,
        "output_shapes": [list(t.shape) for t in tensors],
        "output_dtypes": [keras2.dtype_name(t) for t in tensors],
        "weights": {
            role: weight_member(layer.name, role)
            for role in [*_roles(layer).values(), *_tables(layer)]
        },
    }


def _reads_mask(layer: Any, node_index: int) -> bool:
    """Whether a layer call receives a mask that changes what it computes.

    Keras passes the mask attached to an input tensor to layers whose ``call``
    takes a ``mask`` argument (pooling, recurrent, attention, Softmax ...); other
    layers pass it on or drop it without looking at it.
    """
    if not keras2.expects_mask(layer):
        return False
    tensors = keras2.input_tensors(layer._inbound_nodes[node_index])
    return any(getattr(t, "_keras_mask", None) is not None for t in tensors)


def _collect_weights(
    layer: Any, prefix: str, graph: Graph, problems: list[str]
) -> None:
    for index, role in _roles(layer).items():
        member = weight_member(prefix + layer.name, role)
        if member in graph.weights:
            continue
        array = np.asarray(layer.weights[index].numpy())
        if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
            problems.append(
                f"layer {prefix + layer.name!r}: weight {role!r} holds NaN "
                "or infinite values; fix or retrain the model before export"
            )
        graph.weights[member] = array
    for role, table in _tables(layer).items():
        graph.weights[weight_member(prefix + layer.name, role)] = table


def _tables(layer: Any) -> dict[str, np.ndarray]:
    """The arrays a layer computes with that are not among its weights, by role:
    the vocabulary of an ``IntegerLookup`` (a lookup table, saved as an asset),
    without its mask and out-of-vocabulary tokens."""
    if type(layer).__name__ != "IntegerLookup":
        return {}
    tokens = layer.get_vocabulary(include_special_tokens=False)
    return {"vocabulary": np.asarray([int(token) for token in tokens], np.int64)}


def _roles(layer: Any) -> dict[int, str]:
    """The role of each weight of ``layer`` (by position in ``layer.weights``).

    A weight's role is the last part of its path (``kernel``, ``bias``, ``gamma``
    ...) when that names it uniquely within the layer. A layer that holds
    sub-layers with weights of the same name (a Bidirectional wraps two LSTMs)
    gives each weight its path relative to the layer instead:
    ``forward_lstm/lstm_cell/kernel``.
    """
    weights = getattr(layer, "weights", [])  # an operation has none
    paths = [_relative_path(layer.name, weight) for weight in weights]
    plain = [path.split("/")[-1] for path in paths]
    if len(set(plain)) == len(plain):
        return {i: keras2.weight_role(layer, role) for i, role in enumerate(plain)}
    return dict(enumerate(paths))


def _relative_path(layer_name: str, weight: Any) -> str:
    parts = str(getattr(weight, "path", weight.name)).split(":")[0].split("/")
    if layer_name in parts[:-1]:
        parts = parts[parts.index(layer_name) + 1 :]
    return "/".join(parts)


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
        for tensor in keras2.input_tensors(keras_node)
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


def _mask_only_sources(config: dict[str, Any]) -> set[str]:
    """The entries of a functional config whose tensors feed ``mask`` arguments
    only, never the data of a call or the model's outputs."""
    as_mask: set[str] = set()
    as_data = {name for name, _, _ in _histories(config["output_layers"])}
    for entry in config["layers"]:
        for node in entry.get("inbound_nodes", []):
            kwargs = dict(node.get("kwargs", {}))
            mask = {"args": [kwargs.pop("mask", None)]}
            data = {"args": node.get("args", []), "kwargs": kwargs}
            as_mask.update(name for name, _, _ in _node_histories(mask))
            as_data.update(name for name, _, _ in _node_histories(data))
    return as_mask - as_data


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
