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


def test_the_eagerly_built_model_predicts_exactly_like_rasas_own_load() -> None:
    if not any((REPO / "models").glob("*.tar.gz")):
        pytest.fail("no trained model in models/: run `make train` (make test does it)")
    from rasa_runtime.speedups import build_model_weights_eagerly

    messages = _story_messages()
    assert len(messages) > 20
    as_rasa_loads = _rankings(messages)
    assert build_model_weights_eagerly()
    as_we_load = _rankings(messages)
    assert as_we_load == as_rasa_loads
