"""Load a Keras model file without running code from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from stages.console import AirlockError, UsageError

__all__ = ["load_model"]


def load_model(path: Path) -> Any:
    """Load a Keras 3 ``.keras`` file with ``safe_mode=True`` and without compiling.

    Safe mode refuses Lambda layers and other saved Python code instead of running
    it; such a model is refused here with the reason Keras gives.
    """
    import keras

    if not path.is_file():
        raise UsageError(f"{path}: no such model file")
    if path.suffix != ".keras":
        raise UsageError(
            f"{path}: unsupported model format '{path.suffix}'; "
            "this stage reads Keras 3 '.keras' files"
        )
    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as error:  # Keras raises many types for a bad file
        reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise AirlockError(
            f"{path}: Keras {keras.__version__} cannot load this model: "
            f"{type(error).__name__}: {reason}"
        ) from None
