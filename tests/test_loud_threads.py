"""Issue 13, class 7: a layer shared by two threads raises RuntimeError instead of wrong gradients."""

import copy
import pickle
import re
import threading

import numpy as np
import pytest

from nndl import conv, nn


def _run(target):
    """Run ``target`` in a new thread; return the exception it raised (or None)."""
    box = {}

    def wrapped():
        try:
            target()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            box["exc"] = exc

    t = threading.Thread(target=wrapped)
    t.start()
    t.join(timeout=30)
    assert not t.is_alive()
    return box.get("exc")


X = np.random.default_rng(0).normal(size=(4, 3))
DY = np.ones((4, 2))


def test_backward_after_another_threads_forward_raises():
    """Thread A forward, thread B forward, thread A backward: A would get B's gradients."""
    layer = nn.Dense(3, 2, rng=0)
    a_forward_done, b_forward_done = threading.Event(), threading.Event()
    result = {}

    def thread_a():
        layer.forward(X)
        a_forward_done.set()
        b_forward_done.wait(timeout=30)
        try:
            layer.backward(DY)
        except RuntimeError as exc:
            result["a"] = exc

    def thread_b():
        a_forward_done.wait(timeout=30)
        layer.forward(2 * X)
        b_forward_done.set()

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert "a" in result
    assert re.search(
        r"Dense\.backward: the forward pass .* another thread; give each thread its "
        r"own copy \(copy\.deepcopy\(layer\)\)",
        str(result["a"]),
    )


class _Slow(nn.Layer):
    """A layer whose forward waits until told to finish, to hold it inside forward."""

    def __init__(self):  # deliberately no super().__init__(): the lock is created lazily
        self.params, self.grads = {}, {}
        self.inside, self.release = threading.Event(), threading.Event()

    def forward(self, x):
        self.inside.set()
        self.release.wait(timeout=30)
        return x

    def backward(self, dy):
        return dy


def test_calling_a_layer_while_another_thread_is_inside_it_raises():
    layer = _Slow()
    worker = threading.Thread(target=layer.forward, args=(X,))
    worker.start()
    assert layer.inside.wait(timeout=30)
    try:
        with pytest.raises(
            RuntimeError,
            match=r"^_Slow is being used by another thread; give each "
            r"thread its own copy \(copy\.deepcopy\(layer\)\)",
        ):
            layer.forward(X)
        with pytest.raises(RuntimeError, match="being used by another thread"):
            layer.backward(X)
    finally:
        layer.release.set()
        worker.join(timeout=30)
    layer.release.set()
    assert layer.forward(X) is X  # free again once the other thread is done


def test_a_sequential_model_shared_mid_pass_raises_in_the_other_thread():
    model = nn.Sequential(nn.Dense(3, 2, rng=0), _Slow())
    worker = threading.Thread(target=model.forward, args=(X,))
    worker.start()
    assert model[1].inside.wait(timeout=30)
    try:
        with pytest.raises(RuntimeError, match="^Sequential is being used by another thread"):
            model.forward(X)
    finally:
        model[1].release.set()
        worker.join(timeout=30)


@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.Dense(3, 2, rng=0),
        lambda: nn.Activation("tanh"),
        lambda: nn.mlp([3, 4, 2], rng=0),
        lambda: conv.Flatten(),
    ],
    ids=["Dense", "Activation", "Sequential", "conv.Flatten"],
)
def test_taking_turns_from_two_threads_is_fine_and_exact(make):
    layer = make()
    x = X if not isinstance(layer, conv.Flatten) else X.reshape(4, 3, 1, 1)

    def one_pass():
        out = layer.forward(x)
        return out, layer.backward(np.ones_like(out))

    expected = one_pass()
    results = []
    for _ in range(2):
        assert _run(lambda: results.append(one_pass())) is None
    for out, dx in results:
        np.testing.assert_array_equal(out, expected[0])
        np.testing.assert_array_equal(dx, expected[1])


def test_conv_layers_are_guarded_without_editing_conv():
    layer = conv.AvgPool2D(2)
    x = np.random.default_rng(1).normal(size=(2, 1, 4, 4))
    assert _run(lambda: layer.forward(x)) is None
    with pytest.raises(RuntimeError, match=r"AvgPool2D\.backward: the forward pass"):
        layer.backward(np.ones((2, 1, 2, 2)))
    for cls in (
        conv.Conv2D,
        conv.MaxPool2D,
        conv.AvgPool2D,
        conv.Subsampling,
        conv.Flatten,
        conv.Reshape,
        nn.Dense,
        nn.Activation,
        nn.Sequential,
    ):
        assert cls.forward._thread_guarded and cls.backward._thread_guarded, cls


def test_deepcopy_and_pickle_give_independent_usable_copies():
    model = nn.mlp([3, 4, 2], rng=0)
    model.forward(X)  # the lock exists now
    for clone in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert "_thread_lock" not in vars(clone[0])  # a fresh lock is made on first use
        out = clone.forward(X)
        assert clone[0]._thread_lock is not model[0]._thread_lock
        np.testing.assert_array_equal(out, model.forward(X))
        # the copy belongs to no thread: a worker may run its forward and backward
        assert _run(lambda: clone.backward(np.ones_like(clone.forward(X)))) is None
        assert "_forward_thread" not in clone[0].__getstate__()


def test_each_thread_with_its_own_copy_runs_concurrently():
    model = nn.mlp([3, 8, 2], "tanh", rng=0)
    expected = model.forward(X)
    barrier = threading.Barrier(4)
    errors = []

    def work():
        mine = copy.deepcopy(model)
        barrier.wait(timeout=30)
        for _ in range(50):
            out = mine.forward(X)
            mine.backward(np.ones_like(out))
        errors.append(None if np.array_equal(out, expected) else "different output")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == [None] * 4


def test_the_guard_keeps_docstrings_and_names():
    assert nn.Dense.forward.__name__ == "forward"
    assert nn.Dense.forward.__doc__ == nn.Dense.forward.__wrapped__.__doc__
    assert nn.Sequential.backward.__qualname__ == "Sequential.backward"
