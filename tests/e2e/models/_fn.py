"""Shared by the fixture modules: a module whose forward is a given function, so that a
fixture is one line, `f(lambda x: torch.amax(x, 1))`. Not a fixture module itself (the
leading underscore keeps make_fixtures from collecting it)."""
import torch.nn as nn


class Fn(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *x):
        return self.fn(*x)


def f(fn):
    return lambda: Fn(fn)
