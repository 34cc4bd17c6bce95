"""Which language an event's description is written in, for its flyer captions (py3langid: a small
naive-Bayes model shipped in the package, no network, deterministic).

Only a confident answer counts: a short or ambiguous description ("Jazz", "Live music") or a language
without caption templates gives `FALLBACK` (English)."""

from __future__ import annotations

import re
import threading

from py3langid.langid import MODEL_FILE, LanguageIdentifier

FALLBACK = "en"
MIN_LETTERS = 12  # fewer letters than this is a word or two: no language can be told from it
MIN_CONFIDENCE = 0.6  # the model's probability for its best guess (norm_probs)
LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
URL = re.compile(r"\S+://\S+|www\.\S+")

_loading = threading.Lock()
_model: list[LanguageIdentifier] = []


def identifier() -> LanguageIdentifier:
    """The model, loaded once (about half a second) on the first flyer, then shared (it is read-only)."""
    with _loading:
        if not _model:
            _model.append(LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True))
        return _model[0]


def language_of(text: str, known: frozenset[str]) -> str:
    """The ISO 639-1 code of `text`'s language when it is one of `known` and the model is confident,
    else FALLBACK."""
    words = URL.sub(" ", text)
    if len(LETTER.findall(words)) < MIN_LETTERS:
        return FALLBACK
    code, confidence = identifier().classify(words[:2000])
    return code if code in known and confidence >= MIN_CONFIDENCE else FALLBACK
