"""The verify stage: runs model.onnx with onnxruntime and compares with TensorFlow.

It imports onnxruntime and numpy only. Run it through nox (``nox -s verify``).
"""
