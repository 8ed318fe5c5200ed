"""Train the bundled example: a purchase-intent classifier on synthetic data.

Eight features describe a shopping session; the model predicts the probability that
it ends in a purchase. The data is generated from a fixed seed, so the model is the
same every time it is trained on the same TensorFlow line. Run it in the extract
environment, which has TensorFlow:

    .nox/extract-tf-2-21/bin/python examples/intent/train.py

``--csv`` instead writes ``sessions.csv``: the features of sessions the model was
not trained on (another seed), as reference inputs for ``--samples``. It needs only
numpy, and writes the same bytes every time.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SEED = 7
FEATURES = (
    "session_minutes",
    "pages_viewed",
    "cart_items",
    "days_since_last_visit",
    "previous_purchases",
    "saw_discount",
    "on_mobile",
    "hour_of_day",
)
OUTPUT = Path(__file__).with_name("intent.keras")
#: Reference inputs for ``--samples``: held-out sessions, one row each.
CSV_OUTPUT = Path(__file__).with_name("sessions.csv")
CSV_ROWS = 300
CSV_SEED = SEED + 1


def synthetic_sessions(rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Standardized session features and whether each session bought something."""
    rng = np.random.default_rng(seed)
    minutes = rng.gamma(2.0, 4.0, rows)
    pages = rng.poisson(6, rows).astype(float)
    cart = rng.poisson(0.8, rows).astype(float)
    days = rng.exponential(10.0, rows)
    purchases = rng.poisson(1.5, rows).astype(float)
    discount = (rng.random(rows) < 0.3).astype(float)
    mobile = (rng.random(rows) < 0.6).astype(float)
    hour = rng.integers(0, 24, rows).astype(float)
    raw = np.stack(
        [minutes, pages, cart, days, purchases, discount, mobile, hour], axis=1
    )

    logit = (
        0.08 * minutes
        + 0.15 * pages
        + 1.2 * cart
        - 0.05 * days
        + 0.4 * purchases
        + 0.9 * discount
        - 0.3 * mobile
        + 0.6 * np.sin(hour / 24 * 2 * np.pi)
        - 3.0
    )
    bought = rng.random(rows) < 1 / (1 + np.exp(-logit))
    features = (raw - raw.mean(axis=0)) / raw.std(axis=0)
    return features.astype(np.float32), bought.astype(np.float32)


def build_model():  # type: ignore[no-untyped-def]
    import keras

    inputs = keras.Input(shape=(len(FEATURES),), name="features")
    x = keras.layers.Dense(32, activation="relu", name="hidden_1")(inputs)
    x = keras.layers.Dropout(0.2, name="dropout")(x)
    x = keras.layers.Dense(16, activation="relu", name="hidden_2")(x)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="purchase")(x)
    return keras.Model(inputs, outputs, name="intent")


def main() -> None:
    import keras

    keras.utils.set_random_seed(SEED)
    features, bought = synthetic_sessions(4000, SEED)
    model = build_model()
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(
        features, bought, epochs=15, batch_size=64, validation_split=0.2, verbose=0
    )
    accuracy = history.history["val_accuracy"][-1]
    model.save(OUTPUT)
    print(f"validation accuracy {accuracy:.3f}; saved {OUTPUT}")


def write_csv() -> None:
    """Write the features of ``CSV_ROWS`` held-out sessions to ``CSV_OUTPUT``,
    each value with the 9 significant digits that give its float32 back."""
    features, _ = synthetic_sessions(CSV_ROWS, CSV_SEED)
    lines = [",".join(FEATURES)]
    lines += [",".join(f"{value:.9g}" for value in row) for row in features.tolist()]
    CSV_OUTPUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{CSV_ROWS} sessions; saved {CSV_OUTPUT}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--csv"]:
        write_csv()
    else:
        main()
