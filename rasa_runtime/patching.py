"""The one way this project puts its code in the place of Rasa's: a ``Patch``, installed by ``install``.

Every replacement of a Rasa internal (rasa_runtime/speedups.py, stores/,
turns/) is a ``Patch``: a name, the Rasa attributes it replaces, a function
that builds the replacements from what is there now, the exact Rasa version
it was written against, and whether it is a safety or a speed patch.
``install`` applies one all-or-nothing:

- a different Rasa version, a target that is missing, or a build that raises
  (a changed signature, a schema of another shape) means the patch does not
  fit. Nothing of it is set, Rasa's own code stays in place, and then
  * a **speed** patch logs one warning and Rasa runs its own, slower (or less
    bounded) code, answering the same;
  * a **safety** patch raises ``PatchRefused``: without it Rasa would be
    wrong about who pays or lose conversations, so it must not start;
- installing again is a no-op: every replacement carries the names of the
  patches in its chain, so a patch finds its own mark even under another
  patch that wraps it (the sender rate limit wraps the store-outage answer);
- a replacement that does not call the original (``replaces``) refuses to go
  over another patch's replacement, which it would silently drop: the order
  is rasa_runtime/server.py's.
"""
from __future__ import annotations

import enum
import importlib
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, FrozenSet, Iterable, Mapping, Optional, Tuple

logger = logging.getLogger(__name__)

# The Rasa every patch was written against (requirements.txt pins it).
RASA_VERSION = "3.6.21"
_MARK = "_kali_safaris_patches"

# "module:Attribute.path" -> the object found there now.
Originals = Mapping[str, Any]
Build = Callable[[Originals], Mapping[str, Any]]


class PatchKind(enum.Enum):
    """What running without a patch costs."""

    SAFETY = "safety"  # wrong about money or identity, or lost conversations: Rasa is not started
    SPEED = "speed"  # slower or less bounded, same answers: warned about, Rasa runs its own code
    VISIBILITY = "visibility"  # unseen by monitoring, same answers: warned about, Rasa runs its own code


class PatchOutcome(enum.Enum):
    INSTALLED = "installed"
    ALREADY_INSTALLED = "already installed"
    LEFT_OUT = "left out: Rasa's own code runs"

    @property
    def applied(self) -> bool:
        return self is not PatchOutcome.LEFT_OUT


class PatchDoesNotFit(Exception):
    """What a build raises when the Rasa it finds is not the one it was written for."""


class PatchRefused(RuntimeError):
    """A safety patch does not fit this Rasa: Rasa must not start without it."""


@dataclass(frozen=True)
class Patch:
    """Replacements of ``targets`` (``"module:Class.attribute"``), built together by ``build``."""

    name: str
    kind: PatchKind
    targets: Tuple[str, ...]
    build: Build = field(compare=False)
    # Why Rasa must not start without it (safety) or what is lost (speed): said when it does not fit.
    without_it: str = ""
    # Targets whose replacement does not call the original.
    replaces: Tuple[str, ...] = ()
    rasa_version: str = RASA_VERSION


def mark(replacement: Any, names: Iterable[str]) -> Any:
    """``replacement``, marked as made by the patches ``names`` (a classmethod's function is marked)."""
    inner = getattr(replacement, "__func__", replacement) if isinstance(replacement, (classmethod, staticmethod)) \
        else replacement
    setattr(inner, _MARK, frozenset(names))
    return replacement


def patched_by(value: Any) -> FrozenSet[str]:
    """The names of the patches whose replacement ``value`` is (with those it wraps)."""
    names: object = getattr(value, _MARK, frozenset())
    return names if isinstance(names, frozenset) else frozenset()


def is_patched(value: Any, name: str = "") -> bool:
    """True when ``value`` is a replacement of patch ``name`` (of any patch when no name is given)."""
    names = patched_by(value)
    return name in names if name else bool(names)


def _owner_and_attribute(target: str) -> Tuple[Any, str]:
    module_name, _, path = target.partition(":")
    owner: Any = importlib.import_module(module_name)
    *parents, attribute = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    if not hasattr(owner, attribute):
        raise AttributeError(f"{target} is missing")
    return owner, attribute


def _installed_version() -> str:
    import rasa

    return str(rasa.__version__)


def _replacements(patch: Patch, rasa_version: str) -> Tuple[Dict[str, Tuple[Any, str]], Dict[str, Any], Any]:
    """Where each target is, what is there now, and the replacements; raises when the patch does not fit."""
    if rasa_version != patch.rasa_version:
        raise PatchDoesNotFit(f"written for Rasa {patch.rasa_version}, found {rasa_version}")
    places = {target: _owner_and_attribute(target) for target in patch.targets}
    current = {target: getattr(owner, attribute) for target, (owner, attribute) in places.items()}
    if all(is_patched(value, patch.name) for value in current.values()):
        return places, current, None
    for target in patch.replaces:
        others = patched_by(current[target]) - {patch.name}
        if others:
            raise PatchDoesNotFit(f"{target} is already replaced by {', '.join(sorted(others))}, "
                                  "which this replacement would drop")
    built = dict(patch.build(current))
    if set(built) != set(patch.targets):
        raise PatchDoesNotFit(f"built replacements for {sorted(built)}, not {sorted(patch.targets)}")
    return places, current, built


def install(patch: Patch, rasa_version: Optional[str] = None) -> PatchOutcome:
    """Put ``patch``'s replacements in place, or none of them.

    Raises PatchRefused for a safety patch that does not fit.
    """
    try:
        places, current, built = _replacements(patch, rasa_version or _installed_version())
    except Exception as error:  # whatever does not fit leaves Rasa's code in place
        if patch.kind is PatchKind.SAFETY:
            raise PatchRefused(f"{patch.name}: {error}; {patch.without_it}") from error
        logger.warning("not applied, Rasa runs this part unchanged: %s (%s)%s", patch.name, error,
                       f"; {patch.without_it}" if patch.without_it else "")
        return PatchOutcome.LEFT_OUT
    if built is None:
        return PatchOutcome.ALREADY_INSTALLED
    for target, (owner, attribute) in places.items():
        kept = frozenset() if target in patch.replaces else patched_by(current[target])
        setattr(owner, attribute, mark(built[target], kept | {patch.name}))
    return PatchOutcome.INSTALLED


def install_all(patches: Iterable[Patch], rasa_version: Optional[str] = None) -> Dict[str, PatchOutcome]:
    """Install ``patches`` in order; what became of each.

    Raises PatchRefused at the first safety patch that does not fit.
    """
    return {patch.name: install(patch, rasa_version) for patch in patches}
