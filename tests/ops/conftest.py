import pytest
import torch


@pytest.fixture(autouse=True)
def _seed():
    """Every per-op test draws the same random inputs on every run."""
    torch.manual_seed(0)
