"""ONNX handlers: PLACEHOLDER (filled in by the change that adds them)."""
from __future__ import annotations
