"""The demo model: a small CNN for the 8x8 handwritten digits that ship with scikit-learn.

`train()` fits it in a few seconds and saves the weights and a held-out split
under demo/out/; `trained()` is the factory `ember export` and `ember validate`
call: it returns (model, example_inputs) with the saved weights.
"""
import os

import numpy as np
import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")
WEIGHTS = os.path.join(OUT, "digits_cnn.pt")
TEST_SET = os.path.join(OUT, "digits_test.npz")
CALIBRATION = os.path.join(OUT, "digits_calibration.npy")   # 256 training images, for int8


class DigitsCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),   # 4x4
            nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU())
        self.classifier = nn.Linear(32 * 4 * 4, 10)

    def forward(self, x):          # x: (batch, 1, 8, 8), pixel values scaled to [0, 1]
        return self.classifier(torch.flatten(self.features(x), 1))


def load_digits_split(seed=0):
    from sklearn.datasets import load_digits
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None]       # (1797, 1, 8, 8)
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(x))
    test = order[:360]
    train = order[360:]
    return x[train], y[train], x[test], y[test]


def train(epochs=10, log=print):
    torch.manual_seed(0)
    xtr, ytr, xte, yte = load_digits_split()
    model = DigitsCNN()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    xt, yt = torch.from_numpy(xtr), torch.from_numpy(ytr)
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(xt))
        for i in range(0, len(xt), 64):
            idx = perm[i:i + 64]
            loss = nn.functional.cross_entropy(model(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        if (epoch + 1) % 5 == 0:
            log(f"  epoch {epoch + 1:2}/{epochs}  loss {loss.item():.4f}")
    model.eval()
    os.makedirs(OUT, exist_ok=True)
    torch.save(model.state_dict(), WEIGHTS)
    np.savez(TEST_SET, x=xte, labels=yte)
    np.save(CALIBRATION, xtr[:256])
    return model


def trained():
    """Factory for `ember export` / `ember validate`: the trained model and an example batch."""
    if not os.path.exists(WEIGHTS):
        raise FileNotFoundError(f"{WEIGHTS} is missing: run `make demo` (it trains the model first)")
    model = DigitsCNN()
    model.load_state_dict(torch.load(WEIGHTS, weights_only=True))
    model.eval()
    example = torch.from_numpy(np.load(TEST_SET)["x"][:8])
    return model, (example,)
