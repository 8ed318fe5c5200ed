"""Reading Keras models into the normalized layer graph."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest

from stages import interchange
from stages.console import AirlockError
from stages.extract.graph import describe_model
from stages.extract.loading import load_model


def _two_branch_model() -> keras.Model:
    inputs = keras.Input((4,), name="features")
    shared = keras.layers.Dense(3, name="shared")
    left = shared(inputs)
    right = keras.layers.Activation("tanh", name="squash")(left)
    again = shared(keras.layers.Dense(4, name="back")(right))
    return keras.Model(inputs, [left, again], name="branches")


def test_functional_wiring_shapes_and_weights() -> None:
    graph = describe_model(_two_branch_model(), "branches.keras")

    assert graph.inputs == [
        {"name": "features", "dtype": "float32", "shape": [None, 4]}
    ]
    records = {layer["name"]: layer for layer in graph.layers}
    assert list(records) == ["shared", "squash", "back", "shared/call1"]
    assert records["shared"]["inputs"] == ["features"]
    assert records["squash"]["inputs"] == ["shared"]
    assert records["shared/call1"]["inputs"] == ["back"]
    assert records["shared/call1"]["outputs"] == ["shared:1:0"]
    assert records["shared"]["weights"] == records["shared/call1"]["weights"]
    assert records["squash"]["config"] == {"activation": "tanh"}
    assert records["back"]["output_shapes"] == [[None, 4]]
    assert [o["tensor"] for o in graph.outputs] == ["shared", "shared:1:0"]
    assert sorted(graph.weights) == [
        "weights/back/bias",
        "weights/back/kernel",
        "weights/shared/bias",
        "weights/shared/kernel",
    ]


def test_records_come_in_an_order_that_reads_before_it_writes() -> None:
    graph = describe_model(_two_branch_model(), "branches.keras")
    description = interchange.make_description(
        inputs=graph.inputs,
        layers=graph.layers,
        outputs=graph.outputs,
        samples={
            "inputs": {"features": "samples/inputs/features"},
            "outputs": {
                o["name"]: f"samples/outputs/{o['name']}" for o in graph.outputs
            },
        },
        provenance={},
    )

    interchange.validate_description(description)


def test_sequential_model_reads_like_a_functional_one() -> None:
    model = keras.Sequential(
        [keras.Input((5,), name="x"), keras.layers.Dense(2, name="out")]
    )

    graph = describe_model(model, "seq.keras")

    assert [spec["name"] for spec in graph.inputs] == ["x"]
    assert [layer["name"] for layer in graph.layers] == ["out"]
    assert graph.outputs[0]["name"] == "out"


def test_weights_are_copied_exactly() -> None:
    model = _two_branch_model()

    graph = describe_model(model, "branches.keras")

    kernel = model.get_layer("shared").kernel.numpy()
    np.testing.assert_array_equal(graph.weights["weights/shared/kernel"], kernel)


def test_non_finite_weights_are_refused_naming_layer_and_weight() -> None:
    model = _two_branch_model()
    kernel = model.get_layer("back").kernel
    kernel.assign(np.full(kernel.shape, np.nan, dtype=np.float32))

    with pytest.raises(AirlockError, match="layer 'back': weight 'kernel' holds NaN"):
        describe_model(model, "branches.keras")


def test_every_unsupported_config_value_is_listed_at_once() -> None:
    def bent(t):  # type: ignore[no-untyped-def]
        return t * 2

    inputs = keras.Input((3,), name="x")
    first = keras.layers.Dense(2, activation=bent, name="first")(inputs)
    second = keras.layers.Dense(2, activation=bent, name="second")(first)
    model = keras.Model(inputs, second)

    with pytest.raises(AirlockError) as error:
        describe_model(model, "custom.keras")

    message = str(error.value)
    assert message.startswith("custom.keras: 2 problem(s) found:")
    assert "layer 'first' (Dense): activation=" in message
    assert "layer 'second' (Dense): activation=" in message


def test_lambda_layers_are_refused_without_running_them(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    namespace: dict[str, Any] = {}
    exec(  # a layer whose code writes the canary file when it runs
        f"def payload(t):\n    open({str(canary)!r}, 'w').close()\n    return t",
        namespace,
    )
    inputs = keras.Input((2,), name="x")
    payload = keras.layers.Lambda(namespace["payload"])(inputs)
    path = tmp_path / "lambda.keras"
    keras.Model(inputs, payload).save(path)
    assert canary.exists()  # the payload ran while the model was built
    canary.unlink()

    with pytest.raises(AirlockError, match=r"lambda\.keras: Keras .* cannot load"):
        load_model(path)

    assert not canary.exists()


def test_a_file_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.keras"
    path.write_bytes(b"")

    with pytest.raises(AirlockError, match=r"empty\.keras: Keras .* cannot load"):
        load_model(path)


def test_nested_models_are_inlined_with_their_weights_stored_once() -> None:
    inner = keras.Input((3,), name="inner_x")
    backbone = keras.Model(inner, keras.layers.Dense(2, name="dense")(inner), name="bb")
    left, right = keras.Input((3,), name="left"), keras.Input((3,), name="right")
    outer = keras.layers.Dense(2, name="dense")(backbone(right))
    model = keras.Model([left, right], [backbone(left), outer])

    graph = describe_model(model, "nested.keras")

    records = {layer["name"]: layer for layer in graph.layers}
    assert sorted(records) == ["bb/call1/dense", "bb/dense", "dense"]
    assert records["bb/dense"]["inputs"] == ["right"]  # the first call
    assert records["bb/call1/dense"]["inputs"] == ["left"]
    assert records["dense"]["inputs"] == ["bb/dense"]
    assert records["bb/dense"]["weights"] == records["bb/call1/dense"]["weights"]
    assert sorted(graph.weights) == [
        "weights/bb/dense/bias",
        "weights/bb/dense/kernel",
        "weights/dense/bias",
        "weights/dense/kernel",
    ]
    assert [output["tensor"] for output in graph.outputs] == ["bb/call1/dense", "dense"]


def test_a_layer_that_reads_an_embedding_mask_is_refused() -> None:
    ids = keras.Input((4,), dtype="int32", name="ids")
    vectors = keras.layers.Embedding(9, 2, mask_zero=True, name="embed")(ids)
    dense = keras.layers.Dense(3, name="dense")(vectors)
    pooled = keras.layers.GlobalAveragePooling1D(name="pool")(dense)
    model = keras.Model(ids, [dense, pooled])

    with pytest.raises(AirlockError) as error:
        describe_model(model, "masked.keras")

    message = str(error.value)
    # The not_equal that computes the mask is Keras's, not the user's: unnamed.
    assert "1 problem(s) found" in message
    assert "layer 'pool' (GlobalAveragePooling1D) reads a Keras mask" in message
    assert "NotEqual" not in message


def test_a_comparison_the_model_outputs_is_refused_beside_the_mask() -> None:
    ids = keras.Input((4,), dtype="int32", name="ids")
    vectors = keras.layers.Embedding(9, 2, mask_zero=True, name="embed")(ids)
    pooled = keras.layers.GlobalAveragePooling1D(name="pool")(vectors)
    model = keras.Model(ids, [pooled, keras.ops.not_equal(ids, 0)])

    with pytest.raises(AirlockError) as error:
        describe_model(model, "masked.keras")

    message = str(error.value)
    assert "2 problem(s) found" in message
    assert "layer 'pool' (GlobalAveragePooling1D) reads a Keras mask" in message
    assert re.search(
        r"operation 'not_equal_\d+' \(NotEqual\): a Keras operation outside", message
    )


def test_a_mask_that_no_layer_reads_is_accepted() -> None:
    ids = keras.Input((4,), dtype="int32", name="ids")
    vectors = keras.layers.Embedding(9, 2, mask_zero=True, name="embed")(ids)
    dense = keras.layers.Dense(3, name="dense")(vectors)
    model = keras.Model(ids, keras.layers.Activation("relu", name="relu")(dense))

    graph = describe_model(model, "masked.keras")

    assert [layer["kind"] for layer in graph.layers] == [
        "Embedding",
        "Dense",
        "Activation",
    ]
    assert graph.layers[0]["config"]["mask_zero"] is True


def test_arithmetic_written_in_the_model_becomes_merge_records() -> None:
    x = keras.Input((3, 4), name="x")
    dense = keras.layers.Dense(4, name="dense")(x)
    shifted = 3.0 - dense
    model = keras.Model(x, (x + shifted) * 0.5)

    graph = describe_model(model, "arithmetic.keras")

    kinds = [(layer["kind"], layer["config"]) for layer in graph.layers]
    assert kinds == [
        ("Dense", kinds[0][1]),
        ("Subtract", {"scalar_operand": {"index": 0, "value": 3.0}}),
        ("Add", {}),
        ("Multiply", {"scalar_operand": {"index": 1, "value": 0.5}}),
    ]
    assert graph.layers[2]["inputs"] == ["x", graph.layers[1]["outputs"][0]]
    assert graph.layers[3]["output_shapes"] == [[None, 3, 4]]


def test_operations_on_one_tensor_become_records_of_their_own() -> None:
    x = keras.Input((3, 4), name="x")
    model = keras.Model(x, keras.ops.sqrt(keras.ops.abs(-x)) / 2.0)

    graph = describe_model(model, "operations.keras")

    kinds = [(layer["kind"], layer["config"]) for layer in graph.layers]
    assert kinds == [
        ("Negative", {}),
        ("Absolute", {}),
        ("Sqrt", {}),
        ("TrueDivide", {"scalar_operand": {"index": 1, "value": 2.0}}),
    ]


def test_concatenate_operation_becomes_a_concatenate_record() -> None:
    x = keras.Input((3, 4), name="x")
    model = keras.Model(
        x, [keras.ops.concatenate([x, x], axis=-1), keras.ops.concatenate([x, x])]
    )

    graph = describe_model(model, "concatenate.keras")

    kinds = [(layer["kind"], layer["config"]) for layer in graph.layers]
    # keras.ops.concatenate joins along the batch axis by default, as numpy.
    assert kinds == [("Concatenate", {"axis": -1}), ("Concatenate", {"axis": 0})]
    assert graph.layers[0]["inputs"] == ["x", "x"]


def test_activation_operations_become_activation_records() -> None:
    x = keras.Input((3, 4), name="x")
    model = keras.Model(x, keras.ops.gelu(keras.ops.relu(x), approximate=False))

    graph = describe_model(model, "activations.keras")

    kinds = [(layer["kind"], layer["config"]) for layer in graph.layers]
    assert kinds == [
        ("Activation", {"activation": "relu"}),
        ("Activation", {"activation": "gelu"}),
    ]


@pytest.mark.parametrize(
    ("build", "problem"),
    [
        (lambda x: keras.ops.sin(x), r"\(Sin\): a Keras operation outside a layer"),
        (
            lambda x: keras.ops.elu(x, alpha=0.5),
            r"\(Elu\): a Keras operation outside a layer",
        ),
        (lambda x: x + x[:, :1, 0], r"\(Add\): operands of ranks 3 and 2"),
        (lambda x: x / x[:, :1, 0], r"\(TrueDivide\): operands of ranks 3 and 2"),
        (
            lambda x: keras.ops.sqrt(x) + keras.ops.clip(x, 0.0, 1.0),
            r"\(Clip\): a Keras operation outside a layer",
        ),
    ],
)
def test_other_arithmetic_in_the_model_is_refused_by_name(
    build: Any, problem: str
) -> None:
    x = keras.Input((3, 4), name="x")
    model = keras.Model(x, build(x))

    with pytest.raises(AirlockError, match=problem):
        describe_model(model, "arithmetic.keras")
