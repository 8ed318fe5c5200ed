"""The samples stage: pandas reads the user's CSV or Parquet data into the
reference-samples ``.npz`` that the extract stage takes with ``--samples``.

It knows neither TensorFlow nor ONNX: the model's input names, dtypes and shapes
come from the ``config.json`` inside the ``.keras`` zip, read as data, or from the
description of a ``model.npz``. Run it through nox (``nox -s samples``) so that it
gets the environment of its lockfile.
"""
