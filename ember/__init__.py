"""Ember: the `ember` command line (ember/cli.py) and the one version number.

The packages beside it: exporter (PyTorch / ONNX -> .ember), runtime_py (the Python
runtime), schema (the program format). `pip install ember[runtime]` is enough for
`ember run`, `ember inspect` and the Python runtime; `ember export` and `ember validate`
need the exporter's packages (torch, onnx)."""
__version__ = "0.1.0"
