"""Usage-key classifiers, one per provider, all producing :class:`KeyClass` (the same per-unit
quantities); the SQL after them is one estimation path for every provider. See ``base``."""

from __future__ import annotations

from ccf_py.classify.aws import USAGE_LINE_ITEM_TYPES, Classifier
from ccf_py.classify.azure import AzureClassifier
from ccf_py.classify.base import KEY_CLASS_COLUMNS, KeyClass, ProviderClassifier, UsageKey
from ccf_py.classify.gcp import GcpClassifier
from ccf_py.coefficients import Coefficients

__all__ = ["CLASSIFIERS", "KEY_CLASS_COLUMNS", "USAGE_LINE_ITEM_TYPES", "AzureClassifier",
           "Classifier", "GcpClassifier", "KeyClass", "UsageKey", "classify_keys"]

CLASSIFIERS: dict[str, type[ProviderClassifier]] = {"aws": Classifier, "gcp": GcpClassifier,
                                                   "azure": AzureClassifier}


def classify_keys(keys: list[UsageKey], coef: Coefficients, methodology: str
                  ) -> list[tuple[UsageKey, KeyClass]]:
    """Each key by its provider's classifier; a provider without one is usage nobody can
    estimate directly: unknown, from cost ratios learned within that provider."""
    rules = {p: cls(coef, methodology) for p, cls in CLASSIFIERS.items()}
    out = []
    for k in keys:
        if k.provider in rules:
            out.append((k, rules[k.provider].classify(k)))
        elif k.line_item_type != "Usage":  # FOCUS charge category: tax, credit, purchase...
            out.append((k, KeyClass("non_usage", f"charge_category:{k.line_item_type}",
                                    "non_usage")))
        else:
            out.append((k, KeyClass("unknown", f"no_classifier:{k.provider}", "from_cost",
                                    ratio_unit=k.pricing_unit or "")))
    return out
