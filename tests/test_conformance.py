"""Every layer of nndl passes `nndl.gradcheck.check_layer`, the layer-protocol conformance check.

The parametrization must cover every `nndl.nn.Layer` subclass exported by nn, conv and rnn
(a test below fails when a new layer is added without a case), and planted bugs must fail it.
"""

import inspect

import numpy as np
import pytest

from nndl import conv, nn, rnn
from nndl import functions as F
from nndl.gradcheck import check_layer

TABLE = np.array([[1, 0, 1, 1], [1, 1, 0, 1], [0, 1, 1, 1]], dtype=bool)
N, T, D, H = 3, 5, 4, 3

#: id -> (make the layer, input shape, names of the initial states forward takes, options)
CASES = {
    "dense": (lambda: nn.Dense(4, 3, rng=0), (5, 4), (), {}),
    **{
        f"activation-{name}": (lambda name=name: nn.Activation(name), (3, 4), (), {})
        for name in F.ACTIVATIONS
    },
    "logistic": (nn.Logistic, (3, 4), (), {}),
    "tanh": (nn.Tanh, (3, 4), (), {}),
    "relu": (nn.ReLU, (3, 4), (), {}),
    "softplus": (nn.Softplus, (3, 4), (), {}),
    "sequential-mlp": (lambda: nn.mlp([4, 5, 3], "tanh", rng=0), (5, 4), (), {}),
    "sequential-rnn": (
        lambda: nn.Sequential(rnn.GRU(D, H, rng=0), rnn.LastStep(), nn.Dense(H, 2, rng=0)),
        (N, T, D),
        (),
        {},
    ),
    "conv": (lambda: conv.Conv2D(3, 4, 3, rng=0), (2, 3, 7, 6), (), {}),
    "conv-stride-pad": (lambda: conv.Conv2D(3, 2, (3, 2), stride=2, padding=1, rng=1), (2, 3, 7, 6), (), {}),
    "conv-pad": (lambda: conv.Conv2D(2, 3, 3, padding=1, rng=4), (2, 2, 5, 5), (), {}),
    "conv-table": (lambda: conv.Conv2D(3, 4, 2, table=TABLE, rng=2), (2, 3, 7, 6), (), {}),
    "maxpool": (lambda: conv.MaxPool2D(2), (2, 3, 7, 6), (), {}),
    "avgpool": (lambda: conv.AvgPool2D(2), (2, 3, 7, 6), (), {}),
    "avgpool3": (lambda: conv.AvgPool2D(3), (2, 3, 7, 6), (), {}),
    "subsampling": (lambda: conv.Subsampling(3, 2), (2, 3, 7, 6), (), {}),
    "flatten": (conv.Flatten, (2, 3, 4, 5), (), {}),
    "reshape": (lambda: conv.Reshape((3, 4, 5)), (2, 60), (), {}),
    "lenet5": (lambda: conv.LeNet5(rng=1), (2, 1, 32, 32), (), {"entries": 12}),
    **{
        f"srn-{act}{'-reference' * ref}": (
            lambda act=act, ref=ref: rnn.SRN(D, H, activation=act, rng=0, reference=ref),
            (N, T, D),
            ("h0",),
            {},
        )
        for act in ("tanh", "logistic", "relu")
        for ref in (False, True)
    },
    **{
        f"lstm{'-peephole' * peep}{'-reference' * ref}": (
            lambda peep=peep, ref=ref: rnn.LSTM(D, H, peephole=peep, rng=0, reference=ref),
            (N, T, D),
            ("h0", "c0"),
            {},
        )
        for peep in (True, False)
        for ref in (False, True)
    },
    **{
        f"gru{'-reference' * ref}": (
            lambda ref=ref: rnn.GRU(D, H, rng=0, reference=ref),
            (N, T, D),
            ("h0",),
            {},
        )
        for ref in (False, True)
    },
    "laststep": (rnn.LastStep, (N, T, H), (), {}),
}


def perturbed(layer, seed=1):
    """``layer`` with noise on every parameter (biases and subsampling weights start at 0 and 1,
    which would leave paths of the gradient unexercised)."""
    rng = np.random.default_rng(seed)
    for p in layer.params.values():
        p += 0.3 * rng.normal(size=p.shape)
    return layer


@pytest.mark.parametrize("case", CASES)
def test_layer_conforms(case):
    make, shape, states, options = CASES[case]
    rng = np.random.default_rng(0)
    state = {name: 0.5 * rng.normal(size=(N, H)) for name in states}
    check_layer(perturbed(make()), rng.normal(size=shape), **options, **state)


@pytest.mark.parametrize("case", ["dense", "conv-table", "lstm-peephole", "lenet5"])
def test_float32_layer_conforms(case):
    make, shape, states, options = CASES[case]
    layer = perturbed(make())
    for arrays in [lay.params for lay in getattr(layer, "layers", [layer])]:
        for k, v in arrays.items():
            arrays[k] = v.astype(np.float32)
    rng = np.random.default_rng(1)
    state = {name: rng.normal(size=(N, H)).astype(np.float32) for name in states}
    check_layer(layer, rng.normal(size=shape).astype(np.float32), **options, **state)


def exported_layer_classes():
    """Every concrete `nn.Layer` subclass in the __all__ of nn, conv and rnn."""
    return {
        obj
        for module in (nn, conv, rnn)
        for obj in (getattr(module, n) for n in module.__all__)
        if inspect.isclass(obj) and issubclass(obj, nn.Layer) and obj is not nn.Layer
    }


def test_every_exported_layer_class_has_a_case():
    covered = {type(CASES[case][0]()) for case in CASES}
    missing = sorted(c.__name__ for c in exported_layer_classes() - covered)
    assert not missing, f"add a case to CASES for {missing}"


# ----------------------------------------------------------------- planted bugs must fail
class WrongBiasGradient(nn.Dense):
    def backward(self, dy):
        dx = super().backward(dy)
        self.grads["b"] = 2 * self.grads["b"]
        return dx


class AliasedDx(nn.Dense):
    """Returns dx in a buffer it reuses on the next call."""

    def backward(self, dy):
        dx = super().backward(dy)
        if getattr(self, "_buffer", None) is None or self._buffer.shape != dx.shape:
            self._buffer = np.empty_like(dx)
        self._buffer[...] = dx
        return self._buffer


class DoubleBuffered(nn.Tanh):
    """Alternates two output buffers: the third call overwrites the first call's output.  After
    two calls the first output is intact and apart from the second; only the check against what
    the layer still holds catches it."""

    def forward(self, z):
        y = super().forward(z)
        self._buffers = getattr(self, "_buffers", None) or [np.empty_like(y), np.empty_like(y)]
        self._buffers.reverse()
        self._buffers[0][...] = y
        return self._buffers[0]


class PromotesToFloat64(nn.Dense):
    def forward(self, x):
        return super().forward(x).astype(np.float64)


class Remembers(nn.Dense):
    """Adds a trace of the previous input: not repeatable."""

    def forward(self, x):
        y = super().forward(x) + 1e-3 * getattr(self, "_last", 0.0)
        self._last = float(np.sum(x))
        return y


class NoBias(nn.Dense):
    def backward(self, dy):
        dx = super().backward(dy)
        del self.grads["b"]
        return dx


@pytest.mark.parametrize(
    "bug,message",
    [
        (WrongBiasGradient, r"WrongBiasGradient.*gradient: the gradient of 'b'"),
        (AliasedDx, r"aliasing: dx of the first call was changed"),
        (DoubleBuffered, r"aliasing: output of the first call shares memory with an array the layer holds"),
        (PromotesToFloat64, r"dtype: output is float64 for a float32 layer"),
        (Remembers, r"repeatability: output differs"),
        (NoBias, r"protocol: after backward, grads has the keys \['W'\]"),
    ],
)
def test_planted_bugs_fail_with_a_message_naming_the_property(bug, message):
    layer = perturbed(bug(4, 3, rng=0) if issubclass(bug, nn.Dense) else bug())
    with pytest.raises(AssertionError, match=message):
        check_layer(layer, np.random.default_rng(0).normal(size=(5, 4) if layer.params else (3, 4)))


def test_planted_scratch_alias_in_conv2d_fails(monkeypatch):
    """The bug issue 13 fixed: Conv2D handing out dx in a per-thread scratch array."""
    from nndl import _parallel

    engine = conv._correlate_grads

    def aliased(*args):
        dx, dW = engine(*args)
        out = _parallel.scratch("planted", dx.shape, dx.dtype)
        out[...] = dx
        return out, dW

    monkeypatch.setattr(conv, "_correlate_grads", aliased)
    with pytest.raises(AssertionError, match=r"Conv2D\(3, 4.*aliasing: dx of the first call"):
        check_layer(conv.Conv2D(3, 4, 3, rng=0), np.ones((2, 3, 7, 6)))


def test_planted_bias_gradient_in_lstm_fails(monkeypatch):
    engine = rnn._lstm_backward

    def wrong(*args):
        dx, grads, dh0, dc0 = engine(*args)
        H = grads["U"].shape[0]
        grads["b"][H : 2 * H] *= 1.001  # forget-gate bias gradient 0.1 % off
        return dx, grads, dh0, dc0

    monkeypatch.setattr(rnn, "_lstm_backward", wrong)
    rng = np.random.default_rng(0)
    with pytest.raises(AssertionError, match=r"LSTM\(4, 3, peephole=True\).*gradient of 'b'"):
        check_layer(
            perturbed(rnn.LSTM(D, H, rng=0)),
            rng.normal(size=(N, T, D)),
            h0=rng.normal(size=(N, H)),
            c0=rng.normal(size=(N, H)),
        )
