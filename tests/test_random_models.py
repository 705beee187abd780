"""The randomized export test (issue 14): hundreds of small models drawn from a grammar of
layers, shapes and dtypes (tests/random_models.py, seeded) must each export and match
eager PyTorch in both runtimes, or fail with an ExportError naming the problem - never
another exception, and never an internal error of a lowering."""
import pytest

from exporter.errors import ExportError
from helpers import check_module
from random_models import build

MODELS = 200
CHUNKS = 8          # parallel pytest items of MODELS / CHUNKS draws each


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_random_models_export_and_match_eager(chunk):
    refused = []
    for seed in range(chunk, MODELS, CHUNKS):
        model, inputs, what = build(seed)
        try:
            check_module(model, inputs, atol=1e-3, rtol=1e-3)
        except ExportError as e:
            assert "internal error" not in str(e), f"{what}: {e}"
            refused.append(f"{what}: {str(e).splitlines()[-1]}")
        except AssertionError as e:
            raise AssertionError(f"{what}: {e}") from None
    # the grammar only uses layers Ember lowers: a refusal is a regression
    assert not refused, "\n".join(refused)
