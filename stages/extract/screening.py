"""Read a ``.keras`` file's configuration as data before Keras deserializes it.

Keras's ``safe_mode`` refuses saved Python lambdas, but a ``.keras`` file can name
any importable class or function in its ``config.json``, and Keras resolves those
names while it builds the model. This module opens the zip archive and walks the
configuration as plain JSON, without importing Keras, and refuses:

- ``Lambda`` layers and the other Keras layers that carry code or load files
  (``TFSMLayer``, ``TorchModuleWrapper``, ``JaxLayer``, ``FlaxLayer``), and saved
  Python lambdas anywhere;
- classes outside Keras's own layers, models, initializers, regularizers,
  constraints, activations and operations (and the few layers that
  ``keras.applications`` defines, such as ConvNeXt's ``LayerScale``): a ``module``
  elsewhere, or a
  ``registered_name`` of a custom package (``mypkg>Scale``); custom classes are
  reported once per class, with the layers that use them;
- references to Python functions other than Keras activations;
- configurations that try to switch unsafe deserialization on;
- Keras 2 ``TFOpLambda`` layers that call a TensorFlow function other than
  element-wise arithmetic (see :mod:`stages.extract.tf_functions`).

Nested models and wrapped layers (``TimeDistributed``, ``Bidirectional``, RNN
cells) are walked too. The compile configuration is skipped: models load with
``compile=False``, so Keras never reads it. Standard library only.
"""

from __future__ import annotations

import json
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stages.console import AirlockError, UsageError
from stages.extract.tf_functions import OPERATION_LAYERS, tf_function_problem

__all__ = ["CONFIG_MEMBER", "MAX_CONFIG_BYTES", "screen_keras_file"]

CONFIG_MEMBER = "config.json"
#: A model configuration is JSON text; anything larger than this is not a model.
MAX_CONFIG_BYTES = 64 * 1024 * 1024

#: Keras layers that hold Python code or load files from outside the archive.
CODE_LAYERS = {
    "Lambda": "holds Python code",
    "TFSMLayer": "loads a TensorFlow SavedModel from a path outside the file",
    "TorchModuleWrapper": "holds a pickled PyTorch module",
    "JaxLayer": "holds JAX functions",
    "FlaxLayer": "holds a Flax module",
}
#: ``class_name`` values Keras uses for plain data (tensors, constants, slices).
DATA_CLASSES = frozenset(
    {
        "__keras_tensor__",
        "__tensor__",
        "__numpy__",
        "__bytes__",
        "__ellipsis__",
        "__slice__",
    }
)
#: Keras's own packages of layers, models and their parts, as saved in ``module``.
KERAS_PACKAGES = (
    "layers",
    "models",
    "initializers",
    "regularizers",
    "constraints",
    "activations",
    "dtype_policies",
    "quantizers",
    # Keras 2 (TensorFlow 2.15) saves its models and dtype policies here.
    "engine",
    "mixed_precision",
    # Operations on symbolic tensors outside a layer (the mask of a Masking
    # layer): Keras's own code; the graph stage names them as unsupported.
    "ops",
)
#: The layers ``keras.applications`` defines outside ``keras.layers``, by module:
#: Keras's own code, which the assemble stage converts.
APPLICATION_LAYERS = {
    "keras.src.applications.convnext": frozenset({"LayerScale", "StochasticDepth"}),
    "keras.src.applications.inception_resnet_v2": frozenset({"CustomScaleLayer"}),
}
_KERAS_FUNCTIONS = ("keras.activations", "keras.src.activations")
_UNSAFE_SWITCHES = ("enable_unsafe_deserialization", "safe_mode")


def screen_keras_file(path: Path) -> None:
    """Refuse ``path`` unless it is a readable ``.keras`` archive whose configuration
    names only Keras's own layers and no code.

    A path that does not exist, is a directory or cannot be read is a
    :class:`UsageError`; a broken archive or a refused configuration is an
    :class:`AirlockError` listing every problem, one line each.
    """
    config = _read_config(path)
    screen = _Screen()
    try:
        screen.model(config)
    except RecursionError:
        raise AirlockError(
            f"{path}: {CONFIG_MEMBER} is nested deeper than any model"
        ) from None
    problems = screen.report()
    if problems:
        raise AirlockError("\n".join(f"{path}: {problem}" for problem in problems))


def _read_config(path: Path) -> Any:
    """The parsed ``config.json`` of the archive, with one clear error per way in
    which the file can be broken."""
    try:
        with path.open("rb") as stream:
            head = stream.read(4)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such model file") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, not a .keras file") from None
    except OSError as error:
        raise UsageError(f"{path}: cannot be read ({error.strerror})") from None
    if not head:
        raise AirlockError(f"{path}: is empty (0 bytes), not a .keras file")
    try:
        with zipfile.ZipFile(path) as archive:
            try:
                info = archive.getinfo(CONFIG_MEMBER)
            except KeyError:
                raise AirlockError(
                    f"{path}: is a zip archive without {CONFIG_MEMBER}, "
                    "not a Keras 3 .keras file"
                ) from None
            if info.file_size > MAX_CONFIG_BYTES:
                raise AirlockError(
                    f"{path}: {CONFIG_MEMBER} declares {info.file_size} bytes, "
                    f"more than a model configuration holds ({MAX_CONFIG_BYTES})"
                )
            text = archive.read(info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as error:
        what = "not a zip archive" if head[:2] != b"PK" else "a broken zip archive"
        raise AirlockError(
            f"{path}: {what} ({error}); a .keras file is a zip archive, "
            "this one is truncated or of another kind"
        ) from None
    except OSError as error:
        raise AirlockError(f"{path}: cannot be read ({error})") from None
    try:
        return json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise AirlockError(f"{path}: {CONFIG_MEMBER} is not JSON ({error})") from None
    except RecursionError:
        raise AirlockError(
            f"{path}: {CONFIG_MEMBER} is nested deeper than any model"
        ) from None


@dataclass
class _Screen:
    """Collects every refusal of one configuration."""

    problems: list[str] = field(default_factory=list)
    #: Custom layer classes and the layers that use them.
    custom: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def report(self) -> list[str]:
        lines = [
            f"custom class {name!r} (layers: {', '.join(layers)}): airlock loads "
            "and converts Keras's own layers only, and runs no code from a model "
            "file; rewrite it with Keras layers"
            for name, layers in sorted(self.custom.items())
        ]
        return lines + self.problems

    def model(self, config: Any) -> None:
        if not isinstance(config, dict) or not isinstance(config.get("config"), dict):
            self.problems.append(f"{CONFIG_MEMBER} does not describe a Keras model")
            return
        self.check_object(config, "")
        self.walk(config["config"], "")

    def walk(self, value: Any, owner: str) -> None:
        """Check every object in ``value``; ``owner`` is the enclosing layer's path."""
        if isinstance(value, list):
            for item in value:
                self.walk(item, owner)
            return
        if not isinstance(value, dict):
            self.check_value(value, owner)
            return
        for key in value:
            if key in _UNSAFE_SWITCHES:
                self.problems.append(
                    f"{_where(owner)}: the key {key!r} tries to switch unsafe "
                    "deserialization on"
                )
        if "class_name" in value:
            owner = self.layer_path(value, owner)
            if not self.check_object(value, owner):
                return
        for key, item in value.items():
            if key not in ("class_name", "module", "registered_name"):
                self.walk(item, owner)

    def layer_path(self, value: dict[str, Any], owner: str) -> str:
        """The path of a layer object (``outer/inner``), else ``owner``."""
        config = value.get("config")
        name = config.get("name") if isinstance(config, dict) else None
        module = value.get("module")
        # Keras's own initializers, dtype policies ... are parts of a layer.
        part_of_layer = _is_keras_module(module) and (
            _package(module) not in ("layers", "models", "")
            or value["class_name"] == "DTypePolicy"
        )
        if not isinstance(name, str) or part_of_layer:
            return owner
        return f"{owner}/{name}" if owner else name

    def check_object(self, value: dict[str, Any], owner: str) -> bool:
        """Whether a serialized object may be deserialized; refusals are recorded."""
        where = _where(owner)
        class_name = value.get("class_name")
        module = value.get("module")
        registered = value.get("registered_name")
        if not isinstance(class_name, str):
            self.problems.append(f"{where}: an object without a class name")
            return False
        if class_name in DATA_CLASSES and module is None:
            return True
        if class_name.startswith("__"):
            reason = (
                "a saved Python lambda, which airlock never runs"
                if class_name == "__lambda__"
                else "an object Keras resolves by name"
            )
            self.problems.append(f"{where}: {class_name} is refused: {reason}")
            return False
        if class_name == "function":
            target = f"{module}.{value.get('config')}"
            if isinstance(module, str) and module.startswith(_KERAS_FUNCTIONS):
                return True
            if "unsafe" in target:
                self.problems.append(
                    f"{where}: calls {target}, which tries to switch unsafe "
                    "deserialization on"
                )
                return False
            self.problems.append(
                f"{where}: refers to the Python function {target}; only Keras "
                "activations are loaded"
            )
            return False
        # Keras 2 saves the layers of a nested model without a module: Keras
        # then resolves the bare class name among its own classes only.
        application = class_name in APPLICATION_LAYERS.get(module, ())
        # Keras 2 registers the application layers as ``Custom>CustomScaleLayer``.
        own_names = (None, class_name, f"Custom>{class_name}" if application else None)
        custom = registered not in own_names or not (
            module is None or _is_keras_module(module) or application
        )
        if custom:
            name = registered if isinstance(registered, str) else class_name
            registered_custom = isinstance(registered, str) and ">" in registered
            source = (
                f" from module {module}" if module and not registered_custom else ""
            )
            if isinstance(module, str) and module.startswith("keras"):
                self.problems.append(
                    f"{where}: {class_name}{source} is not one of Keras's layers, "
                    "models or their parts"
                )
            else:
                self.custom[f"{name}{source}"].append(owner or "the model")
            return False
        if class_name in OPERATION_LAYERS:
            inner = value.get("config")
            function = inner.get("function") if isinstance(inner, dict) else None
            problem = tf_function_problem(class_name, function)
            if problem:
                self.problems.append(f"{where} ({class_name}): {problem}")
                return False
        if class_name in CODE_LAYERS:
            self.problems.append(
                f"{where} ({class_name}): {CODE_LAYERS[class_name]}, which airlock "
                "never runs; rewrite it with Keras layers"
            )
            return False
        return True

    def check_value(self, value: Any, owner: str) -> None:
        if isinstance(value, str) and "unsafe_deserialization" in value:
            self.problems.append(
                f"{_where(owner)}: names {value!r}, which would switch unsafe "
                "deserialization on"
            )


def _is_keras_module(module: Any) -> bool:
    if module == "keras":
        return True
    if not isinstance(module, str):
        return False
    return module.startswith("keras.") and _package(module) in KERAS_PACKAGES


def _package(module: Any) -> str:
    """The Keras package of a ``module`` (``layers`` for ``keras.src.layers.core``)."""
    parts = [*str(module).split("."), "", ""]
    return parts[2] if parts[1] == "src" else parts[1]


def _where(owner: str) -> str:
    return f"layer {owner!r}" if owner else "the model"
