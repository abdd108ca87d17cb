"""The everyday words and people's names that merchant aliases are told apart from.

Written by the recipe as ``merchant/common_words.txt`` (one upper-case word per line) so
the running pipeline needs neither wordfreq nor faker. ``streams.core.alias_evidence``
reads it twice: a short alias that is such a word (``ROSE``, ``HOME``, ``MIKES``) names its
merchant only when the merchant model also backs it, since a local business or a person
paid by Zelle prints those as often as the brand does; and a word of the language in the
text is never taken for a misspelt brand (``KITCHEN`` is not ``KITCHN``).

Deterministic: both lists ship inside the pinned packages.
"""

from __future__ import annotations

import re

from wordfreq import iter_wordlist, zipf_frequency

from models.training.names import FIRST_NAMES, LAST_NAMES, faker_names

__all__ = ["COMMON_ZIPF", "common_words"]

# wordfreq's Zipf scale: 3 is once per million words (``heron``, ``forge``); everyday words
# are 4-6. Brand words frequent only as brands (``tesco``) count as common too, which costs
# nothing: the model backs a brand that well known.
COMMON_ZIPF = 3.0
_WORD = re.compile(r"[A-Z]{2,}")


def common_words() -> list[str]:
    """English words of at least ``COMMON_ZIPF`` and faker's first and last names for the
    generator's markets, upper case, letters only, two or more, sorted."""
    found: set[str] = set()
    for word in iter_wordlist("en"):  # most frequent first
        if zipf_frequency(word, "en") < COMMON_ZIPF:
            break
        if _WORD.fullmatch(word.upper()):
            found.add(word.upper())
    for name in faker_names(FIRST_NAMES + LAST_NAMES):
        found.update(w for w in name.split() if _WORD.fullmatch(w))
    return sorted(found)
