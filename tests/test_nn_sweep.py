"""The torch.nn class sweep (issue 14): every layer class torch.nn exports is either built,
exported and validated against eager on both runtimes, or listed with the reason it is
not an inference layer (tests/nn_classes.py)."""
import inspect

import pytest
import torch
import torch.nn as nn

from helpers import check_module
from nn_classes import LAYERS, NOT_LAYERS


def torch_nn_classes():
    return sorted(n for n, c in vars(nn).items() if inspect.isclass(c) and issubclass(c, nn.Module))


def test_every_torch_nn_class_is_swept_or_listed():
    classes = set(torch_nn_classes())
    assert not set(LAYERS) & set(NOT_LAYERS)
    unplaced = classes - set(LAYERS) - set(NOT_LAYERS)
    assert not unplaced, f"torch.nn classes neither swept nor listed in tests/nn_classes.py: {sorted(unplaced)}"
    assert not (set(LAYERS) | set(NOT_LAYERS)) - classes, "tests/nn_classes.py names classes torch.nn lacks"


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_exports_and_matches_eager(name):
    torch.manual_seed(0)
    model, inputs = LAYERS[name]()
    check_module(model.eval(), inputs, atol=1e-4, rtol=1e-4)
