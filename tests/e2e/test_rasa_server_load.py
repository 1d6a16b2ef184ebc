"""rasa_runtime.server builds DIET's weights eagerly: the loaded model must predict exactly as Rasa's own load.

Loads the trained model in models/ twice, the way `rasa run` loads it and the
way rasa_runtime.server does, and compares the intent ranking for every user
message in tests/stories plus a few off-script ones.
"""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List

import pytest
import yaml

from tests.e2e.conftest import REPO

EXTRA_MESSAGES = ["hi", "menu", "talk to a person", "what tours do you have", "thanks", "bye", "asdfgh"]


def _story_messages() -> List[str]:
    messages = []
    for path in sorted((REPO / "tests" / "stories").glob("*.yml")):
        for story in yaml.safe_load(path.read_text()).get("stories", []):
            messages += [step["user"].strip() for step in story["steps"] if "user" in step]
    return sorted(set(messages)) + EXTRA_MESSAGES


def _rankings(messages: List[str]) -> Dict[str, Any]:
    from rasa.core.agent import load_agent

    async def parse_all() -> Dict[str, Any]:
        agent = await load_agent(model_path=str(REPO / "models"))
        results = {}
        for message in messages:
            parsed = await agent.parse_message(message)
            results[message] = [(r["name"], round(r["confidence"], 5)) for r in parsed["intent_ranking"]]
        return results

    return asyncio.run(parse_all())


def test_the_eagerly_built_model_predicts_exactly_like_rasas_own_load(monkeypatch: pytest.MonkeyPatch) -> None:
    if not any((REPO / "models").glob("*.tar.gz")):
        pytest.fail("no trained model in models/: run `make train` (make test does it)")
    from rasa.utils.tensorflow.models import RasaModel

    from rasa_runtime.patching import PatchOutcome, install, is_patched
    from rasa_runtime.speedups import DIET_WEIGHTS

    # Rasa's own load is put back when the test ends, so no later test in this process runs ours unknowingly.
    monkeypatch.setattr(RasaModel, "load", RasaModel.__dict__["load"])
    # Were ours already in place, both rankings below would come from it and prove nothing.
    assert not is_patched(RasaModel.load, DIET_WEIGHTS.name), "the baseline must be Rasa's own load"
    messages = _story_messages()
    assert len(messages) > 20
    as_rasa_loads = _rankings(messages)

    assert install(DIET_WEIGHTS) is PatchOutcome.INSTALLED
    assert is_patched(RasaModel.load, DIET_WEIGHTS.name)
    ours = RasaModel.__dict__["load"].__func__
    loaded: List[str] = []

    def load_and_note(cls: Any, *args: Any, **kwargs: Any) -> Any:
        loaded.append(cls.__name__)
        return ours(cls, *args, **kwargs)

    monkeypatch.setattr(RasaModel, "load", classmethod(load_and_note))
    as_we_load = _rankings(messages)
    # The pipeline's DIET was built by our load, not by a path around it.
    assert "DIET" in loaded, loaded
    assert as_we_load == as_rasa_loads
