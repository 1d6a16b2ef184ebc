"""Library noise filtered where it comes from, so a warning on screen means something.

`rasa train`, `rasa data validate` and `rasa run` (all through
``python -m rasa_runtime.server``) used to open with some sixty warnings a
newcomer could do nothing about:

- deprecations inside the pinned libraries (pkg_resources, jax, TensorFlow,
  SQLAlchemy 2.0's "Deprecated API features detected"): for their
  maintainers, fixed by an upgrade of the pin, never by this project;
- Rasa's "The utterance 'utter_…' is not used in any story or rule", one per
  response: this assistant's form and actions send most responses themselves
  (``dispatcher.utter_message(response=…)``), which Rasa's validator cannot
  see. tests/unit/test_quiet_setup.py checks instead that every response
  is sent by a rule, a story, a form question or the actions' code, so a
  response nothing sends still fails a test;
- TensorFlow's C++ start-up lines about CUDA, TensorRT and CPU instructions;
- that the RegexEntityExtractor and DIET both extract entities: DIET's entity
  recognition is off in config.yml, so only the regexes and lookup extract;
- that the intent EXTERNAL_payment_settled has no NLU examples: the
  reconciler triggers it over Rasa's HTTP API, nobody types it.

Every other warning, Rasa's included (an intent used nowhere, a story
conflict, a slot without mapping), still shows. Rasa filters its own
expected warnings the same way (``rasa.utils.common.EXPECTED_WARNINGS``);
this adds to that list.
"""
from __future__ import annotations

import os
import warnings
from typing import List, Tuple, Type

# Regular expressions, matched from the start of the message as Rasa does.
RASA_NOISE: List[Tuple[Type[Warning], str]] = [
    (UserWarning, r"The utterance '[^']+' is not used in any story or rule\."),
    (UserWarning, r"The intent 'EXTERNAL_payment_settled' is listed in the domain file, "
                  r"but is not found in the NLU training data\."),
    # config.yml turns DIET's entity recognition off; Rasa's check does not
    # look at that setting (tests/unit/test_quiet_setup.py pins it).
    (UserWarning, r"You have an overlap between the 'RegexEntityExtractor' and the statistical "
                  r"entity extractors DIETClassifier in your configuration\."),
]


def quiet_library_warnings() -> None:
    """Install the filters; call before anything imports Rasa."""
    # TensorFlow's C++ start-up lines (CUDA, TensorRT, CPU instructions): Rasa
    # sets this too, but only after its first import of TensorFlow.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
    # SQLAlchemy installs its own filter for its deprecations when imported,
    # ahead of the one above; this one goes ahead of it.
    from sqlalchemy import exc as sqlalchemy_errors

    warnings.filterwarnings("ignore", category=sqlalchemy_errors.SADeprecationWarning)
    # Rasa's `set_log_and_warnings_filters` puts its expected warnings ahead
    # of its "once" filter for every UserWarning.
    from rasa.utils import common as rasa_common

    for noise in RASA_NOISE:
        if noise not in rasa_common.EXPECTED_WARNINGS:
            rasa_common.EXPECTED_WARNINGS.append(noise)
