"""Set-up noise filtered (rasa_runtime/quiet.py), and the checks that stand in for it.

Rasa warns "The utterance '…' is not used in any story or rule" for each
response that only the form and the actions send, which is most of them here;
rasa_runtime/quiet.py filters that warning so a warning on screen means
something. This test is the check in its place: a response that no rule,
story, form question or code sends fails here instead.
"""
from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Iterator, Set

import yaml

from rasa_runtime import quiet

REPO = Path(__file__).resolve().parents[2]
SENDING_CODE = ("actions", "rasa_runtime", "payments")
LITERAL = re.compile(r"""["'](utter_[a-z0-9_]+)["']""")
# f"utter_invalid_amount_{error.reason}": every response under that prefix.
PREFIX = re.compile(r"""f["'](utter_[a-z0-9_]+)\{""")
# actions/presentation.py: the sandbox variant of a response a customer sees.
VARIANT_SUFFIXES = ("_sandbox",)


def source_files() -> Iterator[Path]:
    for folder in SENDING_CODE:
        yield from (REPO / folder).rglob("*.py")


def sent_by_dialogue(domain: dict) -> Set[str]:
    names: Set[str] = set()
    for path in (REPO / "data").glob("*.yml"):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in (document.get("rules") or []) + (document.get("stories") or []):
            names.update(step["action"] for step in block.get("steps", []) if "action" in step)
    for form in (domain.get("forms") or {}).values():
        names.update(f"utter_ask_{slot}" for slot in form.get("required_slots", []))
    return names


def test_every_response_is_sent_by_a_rule_a_form_or_code() -> None:
    domain = yaml.safe_load((REPO / "domain.yml").read_text(encoding="utf-8"))
    code = "\n".join(path.read_text(encoding="utf-8") for path in source_files())
    sent = sent_by_dialogue(domain) | set(LITERAL.findall(code))
    prefixes = tuple(PREFIX.findall(code))

    def is_sent(response: str) -> bool:
        base = next((response[: -len(s)] for s in VARIANT_SUFFIXES if response.endswith(s)), response)
        return base in sent or base.startswith(prefixes)

    unsent = sorted(response for response in domain["responses"] if not is_sent(response))
    assert not unsent, f"responses nothing sends (remove them, or send them): {unsent}"


def test_the_check_finds_an_unsent_response() -> None:
    domain = {"forms": {"payment_form": {"required_slots": ["amount"]}}}
    assert "utter_ask_amount" in sent_by_dialogue(domain)
    assert "utter_never_sent_by_anything" not in set(LITERAL.findall("x = 'utter_never'"))


def test_quiet_hides_only_the_expected_noise() -> None:
    from rasa.shared.utils.io import raise_warning
    from rasa.utils import common as rasa_common

    before = list(rasa_common.EXPECTED_WARNINGS)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            quiet.quiet_library_warnings()
            rasa_common._filter_warnings(log_level=20)  # what `rasa <command>` does at INFO
            raise_warning("The utterance 'utter_otp_sent' is not used in any story or rule.")
            raise_warning("The intent 'EXTERNAL_payment_settled' is listed in the domain file, "
                          "but is not found in the NLU training data.")
            raise_warning("You have an overlap between the 'RegexEntityExtractor' and the statistical entity "
                          "extractors DIETClassifier in your configuration. Specifically both types ...")
            warnings.warn("pkg_resources is deprecated as an API", DeprecationWarning, stacklevel=1)
            raise_warning("The intent 'out_of_scope' is not used in any story or rule.")
            raise_warning("The intent 'greet' is listed in the domain file, but is not found in the NLU training data.")
        shown = [str(warning.message) for warning in caught]
        assert shown == [
            "The intent 'out_of_scope' is not used in any story or rule.",
            "The intent 'greet' is listed in the domain file, but is not found in the NLU training data.",
        ]
    finally:
        rasa_common.EXPECTED_WARNINGS[:] = before


def test_diet_recognises_no_entities_so_the_overlap_warning_is_noise() -> None:
    config = yaml.safe_load((REPO / "config.yml").read_text(encoding="utf-8"))
    diet = [component for component in config["pipeline"] if component["name"] == "DIETClassifier"]
    assert diet and all(component.get("entity_recognition") is False for component in diet)
