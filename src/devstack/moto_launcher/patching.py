"""Replacing a moto function by a patched one, and serialising a backend under a lock."""

import functools
import sys

import moto


def original(owner, name):
    """The function being patched; exits when this moto has no such function."""
    function = owner.__dict__.get(name)
    if not callable(function):
        sys.stderr.write(
            f"moto-launcher: moto {moto.__version__} has no {owner.__name__}.{name}; "
            "the patches in src/devstack/moto_launcher are written for the moto the toolchain pins\n"
        )
        sys.exit(3)
    return function


def patch(owner, name):
    """Replaces owner.name by the decorated function, which gets the original as its first argument."""

    def decorate(replacement):
        previous = original(owner, name)
        setattr(owner, name, functools.wraps(previous)(lambda *a, **k: replacement(previous, *a, **k)))
        return replacement

    return decorate


def serialise(backend, lock):
    """Runs every public method of a backend (what requests, and subscription delivery, call) under `lock`."""
    for name, function in list(vars(backend).items()):
        if not name.startswith("_") and callable(function) and not isinstance(function, (staticmethod, classmethod)):

            @patch(backend, name)
            def _serialised(previous, *args, **kwargs):
                with lock:
                    return previous(*args, **kwargs)
