"""The extract stage: a pinned TensorFlow reads a Keras model and writes model.npz.

It knows Keras and nothing of ONNX. Run it through nox (``nox -s extract``) so that
it gets the environment of its lockfile.
"""
