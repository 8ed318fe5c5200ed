"""airlock's pipeline stages.

Each subpackage is one stage and imports only what its own environment installs:
``extract`` (TensorFlow), ``assemble`` (onnx), ``verify`` (onnxruntime). The modules
at this level use the standard library, numpy and ``packaging`` only, so every stage
can share them: ``interchange`` owns the ``.npz`` contract between the stages,
``console`` the error types and exit codes, ``environment`` the lockfile check,
``compat`` the opset and IR version tables, ``plan`` the export command line.
"""
