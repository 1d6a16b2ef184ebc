"""Every replacement of Rasa's code goes in whole or not at all, once, and only on the Rasa it was written for.

A target that is missing, a build that finds another signature, or another
Rasa version leaves Rasa's own code in place: with one warning for a speed
patch, refusing to start for a safety patch. Installing twice changes nothing.
"""
from __future__ import annotations

import logging
import sys
import types
from typing import Any, Dict, Iterator

import pytest

from rasa_runtime.patching import (RASA_VERSION, Originals, Patch, PatchDoesNotFit, PatchKind, PatchOutcome,
                                   PatchRefused, install, install_all, is_patched, patched_by)
from rasa_runtime.server import project_patches

MODULE = "fake_rasa_internals"
GREET = f"{MODULE}:Agent.greet"
FAREWELL = f"{MODULE}:Agent.farewell"
OTHER_VERSION = "3.7.0"


@pytest.fixture()
def agent() -> Iterator[type]:
    """A stand-in for a Rasa class, importable as ``fake_rasa_internals.Agent``."""

    class Agent:
        def greet(self) -> str:
            return "rasa's hello"

        def farewell(self) -> str:
            return "rasa's goodbye"

    module = types.ModuleType(MODULE)
    module.Agent = Agent  # type: ignore[attr-defined]
    sys.modules[MODULE] = module
    yield Agent
    del sys.modules[MODULE]


def louder(name: str, kind: PatchKind = PatchKind.SPEED, targets: tuple = (GREET,), **kwargs: Any) -> Patch:
    """A patch that wraps each target, shouting what the original said."""

    def build(originals: Originals) -> Dict[str, Any]:
        def wrap(original: Any) -> Any:
            return lambda self: original(self).upper()

        return {target: wrap(original) for target, original in originals.items()}

    return Patch(name, kind, targets, build, **kwargs)


def answers(agent: type) -> tuple:
    return agent().greet(), agent().farewell()


@pytest.mark.parametrize("kind", list(PatchKind))
def test_installing_twice_is_a_no_op(agent: type, kind: PatchKind) -> None:
    patch = louder("louder", kind)
    assert install(patch) is PatchOutcome.INSTALLED
    installed = agent.greet
    assert install(patch) is PatchOutcome.ALREADY_INSTALLED
    assert agent.greet is installed and agent().greet() == "RASA'S HELLO"  # not shouted twice


def test_a_speed_patch_that_does_not_fit_leaves_rasa_in_place_with_one_warning(agent: type, caplog) -> None:
    missing = louder("louder", targets=(GREET, f"{MODULE}:Agent.wave"))
    with caplog.at_level(logging.WARNING, logger="rasa_runtime.patching"):
        assert install(missing) is PatchOutcome.LEFT_OUT
    assert answers(agent) == ("rasa's hello", "rasa's goodbye")
    assert len(caplog.records) == 1
    assert "louder" in caplog.records[0].getMessage() and "wave" in caplog.records[0].getMessage()


def test_a_speed_patch_for_another_rasa_version_leaves_rasa_in_place(agent: type, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="rasa_runtime.patching"):
        assert install(louder("louder"), rasa_version=OTHER_VERSION) is PatchOutcome.LEFT_OUT
    assert answers(agent) == ("rasa's hello", "rasa's goodbye")
    assert len(caplog.records) == 1 and OTHER_VERSION in caplog.records[0].getMessage()


@pytest.mark.parametrize("rasa_version, targets", [
    (OTHER_VERSION, (GREET,)),  # another Rasa
    (RASA_VERSION, (GREET, f"{MODULE}:Agent.wave")),  # a missing attribute
])
def test_a_safety_patch_that_does_not_fit_refuses_and_changes_nothing(agent: type, rasa_version: str,
                                                                       targets: tuple) -> None:
    patch = louder("identity", PatchKind.SAFETY, targets, without_it="strangers could write as customers")
    with pytest.raises(PatchRefused, match="identity.*strangers could write as customers"):
        install(patch, rasa_version=rasa_version)
    assert answers(agent) == ("rasa's hello", "rasa's goodbye")


def test_a_build_that_finds_another_signature_sets_none_of_its_targets(agent: type) -> None:
    def build(originals: Originals) -> Dict[str, Any]:
        if "self" not in originals[FAREWELL].__code__.co_varnames:
            raise PatchDoesNotFit("farewell takes other arguments")
        return {GREET: lambda self: "ours", FAREWELL: lambda self: "ours"}

    agent.farewell = lambda me, politely=True: "rasa's goodbye"
    assert install(Patch("both", PatchKind.SPEED, (GREET, FAREWELL), build)) is PatchOutcome.LEFT_OUT
    assert answers(agent) == ("rasa's hello", "rasa's goodbye")  # greet neither: all or nothing


def test_a_wrapper_keeps_the_mark_of_what_it_wraps(agent: type) -> None:
    install(louder("outage answer"))
    install(louder("rate limit"))
    assert patched_by(agent.greet) == {"outage answer", "rate limit"}
    # Each finds itself under the other: neither wraps again.
    assert install(louder("outage answer")) is PatchOutcome.ALREADY_INSTALLED
    assert agent().greet() == "RASA'S HELLO"


def test_a_replacement_refuses_to_drop_another_patch(agent: type) -> None:
    install(louder("otp redaction"))
    replacing = Patch("resilient store", PatchKind.SAFETY, (GREET,), lambda _: {GREET: lambda self: "retried"},
                      replaces=(GREET,))
    with pytest.raises(PatchRefused, match="otp redaction"):
        install(replacing)
    assert is_patched(agent.greet, "otp redaction")


def test_the_project_patches_refuse_another_rasa_before_changing_anything() -> None:
    from rasa.core.channels import channel
    from rasa.core.lock_store import RedisLockStore

    before = (channel.register, RedisLockStore)
    with pytest.raises(PatchRefused):
        install_all(project_patches({}), rasa_version=OTHER_VERSION)
    from rasa.core import lock_store

    assert (channel.register, lock_store.RedisLockStore) == before


def test_every_speed_patch_of_the_project_is_left_out_on_another_rasa(caplog) -> None:
    speed = [patch for patch in project_patches({}) if patch.kind is PatchKind.SPEED]
    assert len(speed) == 8  # session continuation, rate limit and the six speed-ups
    with caplog.at_level(logging.WARNING, logger="rasa_runtime.patching"):
        outcomes = install_all(speed, rasa_version=OTHER_VERSION)
    assert set(outcomes.values()) == {PatchOutcome.LEFT_OUT}
    assert len(caplog.records) == len(speed)


def test_the_safety_patches_are_the_ones_that_guard_money_identity_and_conversations() -> None:
    safety = [patch.name for patch in project_patches({}) if patch.kind is PatchKind.SAFETY]
    assert safety == ["atomic Redis lock store", "channel guard", "intent shortcut guard", "resilient tracker store",
                      "OTP redaction"]
