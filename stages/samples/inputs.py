"""The model's inputs (name, dtype, shape), read without TensorFlow.

A ``.keras`` file is a zip whose ``config.json`` describes the model. Its
``InputLayer`` entries carry each input's ``batch_shape``, ``dtype`` and ``name``;
a functional model lists them in ``input_layers`` (flattened as Keras flattens
them, dictionary keys sorted), a Sequential model starts with one. The same specs
are in the description of a ``model.npz``, in the model's input order.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from stages import interchange
from stages.console import AirlockError, UsageError

__all__ = ["model_inputs", "shape_text"]


def model_inputs(path: Path) -> list[dict[str, Any]]:
    """``[{"name", "dtype", "shape"}, ...]`` of the model at ``path``, in order;
    ``None`` in a shape is a dimension of unknown size."""
    if path.suffix == ".npz":
        inputs: list[dict[str, Any]] = interchange.read(path).description["inputs"]
        return inputs
    if path.suffix != ".keras":
        raise UsageError(
            f"{path}: unsupported model format '{path.suffix}'; the samples stage "
            "reads the inputs of .keras files and model.npz files"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such model file") from None
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        raise AirlockError(
            f"{path}: not a Keras 3 .keras file with a config.json ({error})"
        ) from None
    return _keras_inputs(path, config)


def _keras_inputs(path: Path, model: Any) -> list[dict[str, Any]]:
    config = model.get("config", {}) if isinstance(model, dict) else {}
    layers = config.get("layers") if isinstance(config, dict) else None
    if not isinstance(layers, list):
        raise AirlockError(f"{path}: config.json describes no layers")
    entries = {
        _layer_name(entry): entry
        for entry in layers
        if isinstance(entry, dict) and entry.get("class_name") == "InputLayer"
    }

    if model.get("class_name") == "Sequential":
        first = layers[0] if layers else {}
        if not isinstance(first, dict) or first.get("class_name") != "InputLayer":
            raise AirlockError(
                f"{path}: the Sequential model was saved without an input shape; "
                "build it (keras.Input or model.build) before saving"
            )
        return [_spec(path, first)]

    if "input_layers" not in config:
        raise AirlockError(
            f"{path}: a {model.get('class_name')!r} model lists no input layers; "
            "give the reference inputs as an .npz instead"
        )
    specs = []
    for name in _flatten(config["input_layers"]):
        if name not in entries:
            raise AirlockError(f"{path}: input {name!r} is not an InputLayer")
        specs.append(_spec(path, entries[name]))
    return specs


def _flatten(value: Any) -> list[str]:
    """The layer names of ``input_layers``: a ``[name, node, tensor]`` triple, or
    lists and dictionaries of them."""
    if isinstance(value, dict):
        return [name for key in sorted(value) for name in _flatten(value[key])]
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
        return [value[0]]
    if isinstance(value, list):
        return [name for item in value for name in _flatten(item)]
    return []


def _layer_name(entry: dict[str, Any]) -> str:
    return str(entry.get("name") or entry.get("config", {}).get("name"))


def _spec(path: Path, entry: dict[str, Any]) -> dict[str, Any]:
    config = entry.get("config", {})
    name = _layer_name(entry)
    shape = config.get("batch_shape", config.get("batch_input_shape"))
    dtype = config.get("dtype", "float32")
    if isinstance(dtype, dict):  # a dtype policy
        dtype = dtype.get("config", {}).get("name")
    if not isinstance(shape, list) or not all(
        dim is None or isinstance(dim, int) for dim in shape
    ):
        raise AirlockError(f"{path}: input {name!r} has no batch_shape in config.json")
    if dtype not in interchange.DTYPES:
        raise AirlockError(
            f"{path}: input {name!r} has dtype {dtype!r}; reference inputs from a "
            f"table can be {', '.join(sorted(interchange.DTYPES))}"
        )
    return {"name": name, "dtype": dtype, "shape": shape}


def shape_text(spec: dict[str, Any]) -> str:
    """``float32[N, 8]`` for an input spec; ``N`` is a dimension of unknown size."""
    dims = ", ".join("N" if dim is None else str(dim) for dim in spec["shape"])
    return f"{spec['dtype']}[{dims}]"
