"""The assemble stage: builds an ONNX graph from model.npz with onnx and numpy only.

It knows ONNX and nothing of Keras objects: everything it needs is in the
interchange description. Run it through nox (``nox -s assemble``).
"""
