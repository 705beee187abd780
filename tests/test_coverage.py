"""Core ATen coverage (issue 14): every core overload of the installed torch is lowered,
excluded with a reason, or knowingly not lowered yet; an excluded one is reported with its
reason."""
import pytest
import torch

from exporter import UnsupportedOpsError, export_module
from exporter.frontends.torch import coverage, registry


def test_every_core_overload_is_accounted_for():
    groups = coverage.classify()
    names = {str(op) for op in coverage.core_overloads()}
    assert sorted(sum(groups.values(), [])) == sorted(names)
    assert set(coverage.EXCLUDED) <= names, sorted(set(coverage.EXCLUDED) - names)   # none stale
    lowered = {str(op) for op in list(registry.LOWERINGS) + list(registry.SKIP)}
    assert not set(coverage.EXCLUDED) & lowered
    assert len(groups["lowered"]) >= 124 and len(names) == 193, {k: len(v) for k, v in groups.items()}


def test_an_excluded_op_is_reported_with_its_reason():
    class Noisy(torch.nn.Module):
        def forward(self, x):
            return x + torch.randn(2, 3)

    with pytest.raises(UnsupportedOpsError, match="aten.randn.default .*: random numbers: an inference program "
                                                  "is deterministic"):
        export_module(Noisy(), (torch.randn(2, 3),))


def test_the_counts_command(capsys):
    assert coverage.main(["--counts"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Core ATen overloads (torch ") and " of 193" in out
