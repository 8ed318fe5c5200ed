"""Normalizers: Attention layers.

Their inputs play different roles, so the normalized config names the role of each
input tensor under ``inputs`` (``query``, ``value``, ``key``, ``attention_mask``,
``query_mask`` ...), in the order of the layer record's inputs.
"""

from __future__ import annotations

from typing import Any

from stages.extract.normalizers.base import (
    Call,
    Config,
    UnsupportedConfigError,
    normalizer,
    require,
)

_MHA_ROLES = frozenset(
    {"query", "value", "key", "attention_mask", "query_mask", "value_mask", "key_mask"}
)
#: ``Attention([query, value, key], mask=[query_mask, value_mask])``: the position
#: in each list is the role. Keras ignores a third mask; so does the converter.
_LIST_ROLES = {
    "inputs/0": "query",
    "inputs/1": "value",
    "inputs/2": "key",
    "mask/0": "query_mask",
    "mask/1": "value_mask",
    "mask/2": "key_mask",
}


def _call_options(call: Call) -> dict[str, Any]:
    """The call arguments every attention layer shares."""
    if call.masked:
        raise UnsupportedConfigError(
            "mask",
            "a Keras mask of an input",
            "masks that Keras propagates from Embedding(mask_zero=True) or Masking "
            "are not converted; pass the mask to the call as a model input instead",
        )
    if call.arguments.get("return_attention_scores"):
        raise UnsupportedConfigError(
            "return_attention_scores",
            True,
            "only the attention output is converted, not the scores",
        )
    return {"use_causal_mask": bool(call.arguments.get("use_causal_mask", False))}


def _roles(call: Call, known: Any, rename: dict[str, str] | None = None) -> list[str]:
    roles = [(rename or {}).get(role, role) for role in call.inputs]
    for role in roles:
        if role not in known:
            raise UnsupportedConfigError(
                role,
                "a tensor",
                f"the call is converted with {', '.join(sorted(known))} as inputs",
            )
    if "query" not in roles or "value" not in roles:
        raise UnsupportedConfigError(
            "inputs", list(call.inputs), "need query and value"
        )
    return roles


@normalizer("MultiHeadAttention", call=True)
def _multi_head_attention(config: Config, call: Call) -> dict[str, Any]:
    require(config, "sliding_window", None)
    axes = config.get("attention_axes")
    # Once built, Keras saves the default as the axes it chose: (1,) for rank 3.
    if axes is not None and list(axes) != [1]:
        raise UnsupportedConfigError(
            "attention_axes",
            axes,
            "only the default, attention over axis 1 of rank-3 inputs, is converted",
        )
    output_shape = config.get("output_shape")
    if isinstance(output_shape, int):
        output_shape = [output_shape]
    key_dim = int(config["key_dim"])
    return {
        "inputs": _roles(call, _MHA_ROLES),
        "num_heads": int(config["num_heads"]),
        "key_dim": key_dim,
        "value_dim": int(config.get("value_dim") or key_dim),
        "use_bias": bool(config.get("use_bias", True)),
        "use_gate": bool(config.get("use_gate", False)),
        "output_shape": None if not output_shape else [int(d) for d in output_shape],
        **_call_options(call),
    }


@normalizer("Attention", call=True)
def _attention(config: Config, call: Call) -> dict[str, Any]:
    score_mode = config.get("score_mode", "dot")
    if score_mode not in ("dot", "concat"):
        raise UnsupportedConfigError("score_mode", score_mode, "expected dot or concat")
    return {
        "inputs": _roles(call, _LIST_ROLES.values(), _LIST_ROLES),
        "use_scale": bool(config.get("use_scale", False)),
        "score_mode": score_mode,
        **_call_options(call),
    }


@normalizer("AdditiveAttention", call=True)
def _additive_attention(config: Config, call: Call) -> dict[str, Any]:
    return {
        "inputs": _roles(call, _LIST_ROLES.values(), _LIST_ROLES),
        "use_scale": bool(config.get("use_scale", True)),
        **_call_options(call),
    }
