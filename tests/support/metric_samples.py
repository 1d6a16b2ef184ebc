"""Reading this process's Prometheus registry in tests: our series, and how a counter moved."""
from __future__ import annotations

from typing import Dict, FrozenSet, Optional, Set, Tuple

from prometheus_client import REGISTRY, CollectorRegistry

# The families the project defines (payments/metrics.py, rasa_runtime/metrics.py, actions/metrics.py).
PROJECT_PREFIXES = ("payments_", "omari_", "assistant_", "nlu_", "whatsapp_", "payment_form_", "rasa_store_",
                    "actions_store_", "bookings_", "payment_notifications_")
# The only label names a project metric may have: each takes a fixed set of values.
BOUNDED_LABELS: FrozenSet[str] = frozenset({"outcome", "channel", "endpoint", "verdict", "kind", "result", "reason",
                                            "currency", "store", "state", "le"})
Series = Tuple[str, Tuple[Tuple[str, str], ...]]


def project_series(registry: CollectorRegistry = REGISTRY) -> Set[Series]:
    """Every (sample name, labels) of the project's families in ``registry``."""
    return {
        (sample.name, tuple(sorted(sample.labels.items())))
        for family in registry.collect() if family.name.startswith(PROJECT_PREFIXES)
        for sample in family.samples
    }


def value(name: str, registry: CollectorRegistry = REGISTRY, **labels: str) -> float:
    found: Optional[float] = registry.get_sample_value(name, labels)
    return found or 0.0


class Deltas:
    """How much some counters moved between construction and ``of``."""

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self._registry = registry
        self._before: Dict[Series, float] = {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in registry.collect() if family.name.startswith(PROJECT_PREFIXES)
            for sample in family.samples
        }

    def of(self, name: str, **labels: str) -> float:
        before = self._before.get((name, tuple(sorted(labels.items()))), 0.0)
        return value(name, self._registry, **labels) - before
