"""Load a saved Keras model without running code from it.

The formats, by the Keras line that reads them:

- ``.keras`` archives (Keras 2 or 3) load with ``safe_mode=True``, which refuses
  Lambda layers and other saved Python code instead of running it;
- HDF5 files (``.h5``, ``.hdf5``; Keras 2 full models, and Keras 3's legacy
  ``model.save('x.h5')``) have no safe mode in Keras 2: their model config is read
  as JSON data first, and a ``Lambda`` layer or a class that is not one of Keras's
  own layers is refused before Keras deserializes anything;
- SavedModel directories (``model.save(directory)`` in Keras 2) hold TensorFlow
  graphs that run as they load, so they are loaded only with ``trust_model``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from stages.console import AirlockError, UsageError
from stages.extract.screening import APPLICATION_LAYERS
from stages.extract.tf_functions import OPERATION_LAYERS, tf_function_problem

__all__ = ["load_model"]

HDF5_SUFFIXES = (".h5", ".hdf5")
#: Model classes a config may nest; anything else must be a layer of keras.layers.
MODEL_CLASSES = frozenset({"Functional", "Model", "Sequential"})
#: Config keys that hold layers: a model's layers, a wrapper's inner layer, the
#: cells of an RNN layer.
LAYER_KEYS = ("layers", "layer", "backward_layer", "cell", "cells", "forward_layer")


def load_model(path: Path, trust_model: bool = False) -> Any:
    """Load the model at ``path`` without compiling it; see the module docstring
    for what each format allows."""

    if path.is_dir():
        return _load_savedmodel(path, trust_model)
    if not path.is_file():
        raise UsageError(f"{path}: no such model file")
    if path.suffix in HDF5_SUFFIXES:
        check_hdf5_config(path)
        return _keras_load(path)
    if path.suffix != ".keras":
        raise UsageError(
            f"{path}: unsupported model format '{path.suffix}'; this stage reads "
            "'.keras' and '.h5' files and SavedModel directories"
        )
    return _keras_load(path, safe_mode=True)


def _keras_load(path: Path, **options: Any) -> Any:
    import keras

    try:
        return keras.models.load_model(path, compile=False, **options)
    except Exception as error:  # Keras raises many types for a bad file
        reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise AirlockError(
            f"{path}: Keras {keras.__version__} cannot load this model: "
            f"{type(error).__name__}: {reason}"
        ) from None


def _load_savedmodel(path: Path, trust_model: bool) -> Any:
    import keras

    if not (path / "saved_model.pb").is_file():
        raise UsageError(
            f"{path}: is a directory without saved_model.pb; pass a .keras or .h5 "
            "file or a SavedModel directory"
        )
    if int(keras.__version__.split(".")[0]) >= 3:
        raise UsageError(
            f"{path}: Keras {keras.__version__} cannot load a SavedModel directory "
            "as a model; it is read by the TensorFlow 2.15 line (drop --tf)"
        )
    if not trust_model:
        raise UsageError(
            f"{path}: loading a SavedModel directory runs the TensorFlow graph code "
            "saved in it; pass --trust-model if you trust where it comes from"
        )
    return _keras_load(path)


def check_hdf5_config(path: Path) -> None:
    """Refuse an HDF5 file without a model config, or whose config holds a Lambda
    layer or a class that is not Keras's own, naming the layer."""
    import h5py

    try:
        with h5py.File(path, "r") as file:
            saved = file.attrs.get("model_config")
    except OSError as error:
        raise AirlockError(f"{path}: not a readable HDF5 file ({error})") from None
    if saved is None:
        raise UsageError(
            f"{path}: holds only weights (no model_config); pass the whole model "
            "saved with model.save('model.h5') or model.save('model.keras') instead"
        )
    if isinstance(saved, bytes):
        saved = saved.decode("utf-8")
    try:
        config = json.loads(saved)
    except ValueError:
        raise AirlockError(f"{path}: its model_config is not valid JSON") from None

    for name, kind, layer_config in _layers(config):
        if kind in OPERATION_LAYERS:
            problem = tf_function_problem(kind, layer_config.get("function"))
            if problem:
                raise AirlockError(f"{path}: layer {name!r} ({kind}) {problem}")
            continue
        if kind == "Lambda":
            raise AirlockError(
                f"{path}: layer {name!r} is a Lambda layer, whose saved Python code "
                "would run on load; airlock does not load it (replace the Lambda "
                "with built-in layers)"
            )
        if not _is_keras_layer(kind):
            raise AirlockError(
                f"{path}: layer {name!r} has class {kind!r}, which is not one of "
                "Keras's own layers; airlock loads only built-in layers from .h5 "
                "files"
            )


def _layers(config: Any) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(name, class, config)`` of the layer or model ``config`` and every layer
    in it."""
    if not isinstance(config, dict) or "class_name" not in config:
        return
    inner = config.get("config")
    inner = inner if isinstance(inner, dict) else {}
    name = str(inner.get("name", config.get("name", "?")))
    yield name, str(config["class_name"]), inner
    for key in LAYER_KEYS:
        value = inner.get(key)
        for item in value if isinstance(value, list) else [value]:
            yield from _layers(item)


def _is_keras_layer(kind: str) -> bool:
    import keras

    if kind in MODEL_CLASSES:
        return True
    # Keras 2 saves the layers keras.applications defines as Custom>CustomScaleLayer.
    if kind.removeprefix("Custom>") in set().union(*APPLICATION_LAYERS.values()):
        return True
    found = getattr(keras.layers, kind, None)
    return isinstance(found, type) and issubclass(found, keras.layers.Layer)
