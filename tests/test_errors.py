"""The one error tree (adbatch.errors): every error adbatch raises has one root, and carries its data as fields."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import adbatch
from adbatch.errors import AdbatchError, ProviderError
from adbatch.providers._claude_replies import ReplyError


def exception_classes() -> dict[str, type[Exception]]:
    """Every exception class defined in a module of the adbatch package, by its qualified name.

    Only ``Exception`` subclasses: a ``SystemExit`` subclass (the nightly gate's exit status) is
    control flow, and must stay out of reach of ``except Exception``."""
    found: dict[str, type[Exception]] = {}
    for info in pkgutil.walk_packages(adbatch.__path__, prefix="adbatch."):
        if info.name.rsplit(".", 1)[-1] == "__main__":  # importing it would run the command
            continue
        module = importlib.import_module(info.name)
        for name, obj in inspect.getmembers(module, inspect.isclass):
            if obj.__module__ == module.__name__ and issubclass(obj, Exception):
                found[f"{module.__name__}.{name}"] = obj
    return found


def test_every_exception_class_in_the_package_is_an_adbatch_error() -> None:
    """No exception class under src/adbatch escapes the tree rooted at AdbatchError."""
    classes = exception_classes()
    assert len(classes) >= 20  # the walk really found the package's errors
    assert [name for name, cls in classes.items() if not issubclass(cls, AdbatchError)] == []


@pytest.mark.parametrize(
    "name, builtin",
    [
        ("adbatch.domain.script.ScriptError", ValueError),
        ("adbatch.domain.timeline.TimelineError", ValueError),
        ("adbatch.domain.archetype.ArchetypeError", ValueError),
        ("adbatch.providers.keys.MissingKeyError", RuntimeError),
        ("adbatch.render.loudness.LoudnessError", RuntimeError),
    ],
)
def test_errors_keep_the_builtin_base_callers_catch(name: str, builtin: type[Exception]) -> None:
    """Joining the tree does not change what ``except ValueError`` / ``except RuntimeError`` catches."""
    assert issubclass(exception_classes()[name], builtin)


def test_provider_error_carries_cost_and_attempts_as_fields() -> None:
    """cost_usd and attempts are constructor fields; replace() keeps class, message and cause."""
    cause = OSError("connection reset")
    try:
        raise ReplyError("script for mug/ugc: unusable twice", attempts=2) from cause
    except ReplyError as exc:
        priced = exc.replace(cost_usd=0.0123)
    assert type(priced) is ReplyError and str(priced) == "script for mug/ugc: unusable twice"
    assert (priced.cost_usd, priced.attempts, priced.__cause__) == (0.0123, 2, cause)
    assert ProviderError("x").cost_usd == 0.0 and ProviderError("x").attempts == 1
