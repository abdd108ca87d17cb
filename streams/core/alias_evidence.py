"""Alias evidence: which catalogue merchants a description prints, and how much of each.

The merchant model scores a bag of hashed n-grams. Wrapper, city and reference words it
never saw dilute a short brand name until ``unknown`` wins although the brand is among its
candidates; a typo or a dropped space breaks the n-grams that carried the name; and a
sub-brand (``DISNEY STORE``) loses to its parent (``DISNEY``), whose n-grams it shares. The
descriptor aliases of ``merchant/aliases.tsv`` are the evidence the bag lost: this module
measures, for each candidate merchant of a row, how many letters of one of its aliases the
text prints, and re-ranks on that (``rerank``).

Evidence, its strength the alias's letters (spaces dropped):

* **printed**: the alias as whole words (``BLUE DOOR`` in ``POS BLUE DOOR 0412``), for a
  model candidate holding at least the alias's floor (``alias_floor``): none for an alias
  of ``ALIAS_LONG_CHARS`` letters or more, nor for a distinctive shorter one (``OXXO``);
  some for a short one that is an everyday word or a name (``ROSE``, ``MIKES AUTO
  REPAIR``), for a one-word alias of any length that is one (``SUNNYSIDE``, ``GARAGE``:
  every shop of that name or trade prints it) and for two or three letters (``CVS``; more
  for ``ACE``). Which words are
  everyday words or names the recipe writes beside the aliases
  (``merchant/common_words.txt``, from wordfreq and faker);
* **misspelt**: a long alias, run together, is one edit from a run of up to
  ``SPAN_WORDS`` neighbouring words run together (``MCDONLADS``, ``NEW HOTIZON ACADEMY``),
  keeping the first and last letter as a slipped key or a doubled letter does (a different
  name usually differs at its end: ``TEODORO`` / ``TEODOR``), where every word the alias
  does not print as it stands is a made-up word, not one of the language (``KITCHEN`` is
  not a misspelt ``KITCHN``); a model candidate; one letter less than printed;
* **run together**: a multi-word alias printed as one word or across neighbouring words
  (``TRADERJOES``, ``FRISCH'SBIGBOY``): a name that long is a brand's, any merchant's.

A row the model leaves ``unknown`` (or under the threshold) takes its strongest evidence,
the model's probability breaking ties, unless its counterparty is a person or an employer.
A row the model answers keeps its answer unless another candidate shows more letters than
the answer itself does, counting the answer's alias cut short at the end of a word as card
terminals cut names at 22 or 25 characters (``LA CASA DE LAS CARC``), and at least
``ALIAS_SWITCH_CHARS``: ``DISNEYSTORE`` moves from ``DISNEY`` to ``DISNEY STORE``, and
``BRNEDETTI'S PIZZA`` from a model guess with no evidence to ``BENEDETTI'S PIZZA``. Only
the model's top-k are candidates for printed and misspelt evidence, so a local business
that merely shares a word with a brand stays unknown unless the model also saw the brand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from streams.core.featurise import JOINED_AMPERSAND, SPACED_AMPERSAND, code_points

__all__ = [
    "ALIAS_LONG_CHARS",
    "ALIAS_MIN_CHARS",
    "ALIAS_RUN_CHARS",
    "ALIAS_SWITCH_CHARS",
    "ALIAS_TINY_CHARS",
    "AliasTables",
    "Aliases",
    "alias_floor",
    "alias_frame",
    "alias_key",
    "alias_keys",
    "is_common",
    "one_edit",
    "prefix_frame",
    "rerank",
]

ALIAS_MIN_CHARS: Final = 2  # characters of the shortest alias the table keeps (BP, EE)
ALIAS_LONG_CHARS: Final = 6  # letters (spaces dropped) of a long alias: no floor, one typo
ALIAS_RUN_CHARS: Final = 6  # a multi-word alias this long is matched run together
ALIAS_SWITCH_CHARS: Final = 4  # an answered row moves only to evidence this long or longer
ALIAS_TINY_CHARS: Final = 4  # letters under which an alias is tiny (CVS, BP)
SPAN_WORDS: Final = 4  # neighbouring words a run-together or misspelt alias may span
# The least probability the model must give a candidate for its printed alias to count, by
# the alias's letters and whether it is a common word or a person's name (is_common).
# A word or a name: 4-5 letters (ROSE, MIKES), or one such word of any length (SUNNYSIDE,
# GARAGE: every shop of that name or trade prints it as often as the brand does).
FLOOR_SHORT_COMMON: Final = 0.05
FLOOR_TINY: Final = 0.02  # 2-3 letters, distinctive: CVS, DHL
FLOOR_TINY_COMMON: Final = 0.1  # 2-3 letters, a word or a name: ACE, BOX
_NOT_ALIAS_TEXT = r"[^A-Z0-9&]+"


Aliases = tuple[tuple[int, str], ...]  # (merchant label index, alias as alias_key writes it)


def alias_key(text: str) -> str:
    """An alias or description as the alias evidence compares them: upper case, runs of
    other characters than A-Z, 0-9 and ``&`` as one space, an ampersand between short words
    joined to them (``featurise.SPACED_AMPERSAND``), padded with a space each side."""
    joined = re.sub(SPACED_AMPERSAND, r"\1\2&\3\4", text.upper())
    return f" {re.sub(_NOT_ALIAS_TEXT, ' ', joined).strip()} "


def alias_keys(descriptions: pl.Series) -> pl.Series:
    """``alias_key`` of each description, in polars."""
    joined = descriptions.str.to_uppercase().str.replace_all(SPACED_AMPERSAND, JOINED_AMPERSAND)
    cleaned = joined.str.replace_all(_NOT_ALIAS_TEXT, " ")
    return (" " + cleaned.str.strip_chars() + " ").alias("text")


def is_common(alias: str, common_words: frozenset[str]) -> bool:
    """Whether an alias key holds an everyday word or a person's name (``common_words``),
    itself or without a possessive S (``MIKES``), among its words of two letters or more."""
    for word in alias.split():
        if len(word) > 1 and (
            word in common_words or (word.endswith("S") and word[:-1] in common_words)
        ):
            return True
    return False


def alias_floor(chars: pl.Expr, common: pl.Expr, single: pl.Expr) -> pl.Expr:
    """The least candidate probability for a printed alias of ``chars`` letters to count
    (``common``: it holds an everyday word or a name; ``single``: it is one word)."""
    return (
        pl.when(chars >= ALIAS_LONG_CHARS)
        .then(pl.when(common & single).then(FLOOR_SHORT_COMMON).otherwise(0.0))
        .when(chars >= ALIAS_TINY_CHARS)
        .then(pl.when(common).then(FLOOR_SHORT_COMMON).otherwise(0.0))
        .otherwise(pl.when(common).then(FLOOR_TINY_COMMON).otherwise(FLOOR_TINY))
    )


def alias_frame(aliases: Aliases, common_words: frozenset[str]) -> pl.DataFrame:
    """The aliases as the evidence joins them: ``label``, ``alias`` (padded key), ``joined``
    (spaces dropped), ``chars`` (its length), ``long``, ``spaced`` (two or more words,
    ``ALIAS_RUN_CHARS`` letters or more) and ``floor`` (``alias_floor``; ``is_common``)."""
    table = pl.DataFrame(
        {
            "label": [label for label, _ in aliases],
            "alias": [alias for _, alias in aliases],
            "common": [is_common(alias, common_words) for _, alias in aliases],
        },
        schema={"label": pl.Int64, "alias": pl.String, "common": pl.Boolean},
    )
    bare = pl.col("alias").str.strip_chars()
    return (
        table.with_columns(
            joined=bare.str.replace_all(" ", "", literal=True),
            words=bare.str.contains(" ", literal=True),
        )
        .with_columns(chars=pl.col("joined").str.len_chars().cast(pl.Int64))
        .with_columns(
            long=pl.col("chars") >= ALIAS_LONG_CHARS,
            spaced=pl.col("words") & (pl.col("chars") >= ALIAS_RUN_CHARS),
            floor=alias_floor(pl.col("chars"), pl.col("common"), ~pl.col("words")).cast(pl.Float32),
        )
        .drop("words", "common")
    )


def prefix_frame(aliases: Aliases) -> pl.DataFrame:
    """Every alias cut short after each of its letters but the last, as a terminal cuts a
    name: ``label``, ``cut`` (padded like a key: the text must end a word there) and
    ``chars`` (letters kept)."""
    labels: list[int] = []
    cuts: list[str] = []
    chars: list[int] = []
    for label, alias in aliases:
        body = alias.strip()
        letters = 0
        for end in range(1, len(body)):
            if body[end - 1] == " ":
                continue
            letters += 1
            labels.append(label)
            cuts.append(f" {body[:end]} ")
            chars.append(letters)
    return pl.DataFrame(
        {"label": labels, "cut": cuts, "chars": chars},
        schema={"label": pl.Int64, "cut": pl.String, "chars": pl.Int64},
    ).unique()


def one_edit(left: pl.Series, right: pl.Series) -> npt.NDArray[np.bool_]:
    """Pairwise: is ``left[i]`` at most one edit from ``right[i]`` (a substitution, an
    insertion or deletion, or two neighbours swapped)? Vectorised over code-point arrays:
    one edit leaves a common prefix and suffix that together cover the shorter string (or
    all but the swapped pair)."""
    n = left.len()
    if n == 0:
        return np.zeros(0, dtype=np.bool_)
    len_l = left.str.len_chars().to_numpy().astype(np.int64)
    len_r = right.str.len_chars().to_numpy().astype(np.int64)
    width = int(max(len_l.max(), len_r.max())) + 1
    shorter = np.minimum(len_l, len_r)

    def codes(series: pl.Series) -> npt.NDArray[np.uint64]:
        return code_points(series.to_list(), width)

    def common(a: npt.NDArray[np.uint64], b: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
        differs = a != b
        first = np.where(differs.any(axis=1), differs.argmax(axis=1), width)
        return np.asarray(np.minimum(first, shorter), dtype=np.int64)

    fwd_l, fwd_r = codes(left), codes(right)
    prefix = common(fwd_l, fwd_r)
    suffix = common(codes(left.str.reverse()), codes(right.str.reverse()))
    covered = prefix + suffix
    same_length = len_l == len_r
    substitution = same_length & (covered >= len_l - 1)
    rows, at = np.arange(n), np.minimum(prefix, width - 2)
    crossed = (fwd_l[rows, at] == fwd_r[rows, at + 1]) & (fwd_l[rows, at + 1] == fwd_r[rows, at])
    swap = same_length & (covered == len_l - 2) & crossed
    indel = (np.abs(len_l - len_r) == 1) & (covered >= shorter)
    return np.asarray(substitution | swap | indel, dtype=np.bool_)


@dataclass(frozen=True)
class AliasTables:
    """What the evidence joins each batch against, built once per model repository."""

    aliases: pl.DataFrame  # alias_frame
    prefixes: pl.DataFrame  # prefix_frame
    words: frozenset[str]  # the everyday words and names, never taken for a typo

    @classmethod
    def build(cls, aliases: Aliases, common_words: frozenset[str]) -> AliasTables:
        return cls(alias_frame(aliases, common_words), prefix_frame(aliases), common_words)


def _spans(texts: pl.LazyFrame) -> pl.LazyFrame:
    """``row``, ``parts`` and ``word``: every run of up to ``SPAN_WORDS`` neighbouring words
    of each text (``parts``) with its spaces dropped (``word``: a space printed or dropped
    is no evidence either way), long enough to be a long alias with a letter missing."""
    single = (
        texts.select("row", word=pl.col("text").str.strip_chars().str.split(" "))
        .explode("word")
        .filter(pl.col("word").str.len_chars() > 0)
    )
    runs = [
        single.select(
            "row",
            parts=pl.concat_list([pl.col("word").shift(-k).over("row") for k in range(words)]),
        )
        for words in range(1, SPAN_WORDS + 1)
    ]
    return (
        pl.concat(runs)
        .filter(pl.col("parts").list.drop_nulls().list.len() == pl.col("parts").list.len())
        .with_columns(word=pl.col("parts").list.join(""))
        .filter(pl.col("word").str.len_chars() >= ALIAS_LONG_CHARS - 1)
        # one span per spelling, the one of fewest words (runs come shortest first): a
        # word run together can also be read across spaces, and the misspelt evidence
        # reads the span's words, so which one is kept must not be left to chance
        .unique(["row", "word"], keep="first", maintain_order=True)
    )


def _near(candidates: pl.LazyFrame, aliases: pl.LazyFrame, spans: pl.LazyFrame) -> pl.LazyFrame:
    """Candidates' long aliases (holding their floor), run together, against spans of the
    same length give or take a letter, with the same first and last letter: what
    ``one_edit`` then checks."""
    return (
        candidates.join(aliases.filter("long"), on="label")
        .filter(pl.col("p") >= pl.col("floor"))
        .join(spans, on="row")
        .filter(
            ((pl.col("chars") - pl.col("word").str.len_chars().cast(pl.Int64)).abs() <= 1)
            & (pl.col("joined").str.head(1) == pl.col("word").str.head(1))
            & (pl.col("joined").str.tail(1) == pl.col("word").str.tail(1))
        )
    )


def _misspelt(near: pl.DataFrame, words: frozenset[str]) -> pl.LazyFrame:
    """``row``, ``label``, ``p``, ``strength``: a candidate's long alias run together is a
    span of the text (its letters) or one edit from one (a letter fewer)."""
    near = near.filter(pl.Series(one_edit(near["joined"], near["word"]), dtype=pl.Boolean))
    # A misspelling is of a name, not of the language: every word of the span that the
    # alias does not print as it stands must be a made-up word (KITCHEN is not KITCHN,
    # FUEL NO is not FEEL NO, the S of PERCIVAL'S ESPRESSO is not the SI of SI ESPRESSO).
    # Few pairs get this far, so plain Python is the cheap way to ask.
    made_up = [
        all(part in own or (len(part) > 1 and part not in words) for part in parts)
        for parts, own in zip(
            near["parts"].to_list(),
            near["alias"].str.strip_chars().str.split(" ").to_list(),
            strict=True,
        )
    ]
    exact = pl.col("joined") == pl.col("word")
    return (
        near.lazy()
        .filter(exact | pl.Series(made_up, dtype=pl.Boolean))
        .select("row", "label", "p", strength=pl.col("chars") - (~exact).cast(pl.Int64))
    )


def _held(answers: pl.LazyFrame, evidence: pl.LazyFrame, cut: pl.LazyFrame) -> pl.LazyFrame:
    """``row``, ``answer`` and ``needed``: the evidence another merchant needs to replace a
    row's answer: more letters than the answer's own evidence, its alias cut short included
    (``cut``: ``LA CASA DE LAS CARC``), and at least ``ALIAS_SWITCH_CHARS``."""
    own = evidence.join(answers, left_on=["row", "label"], right_on=["row", "answer"]).select(
        "row", chars="strength"
    )
    shown = pl.concat([own, cut]).group_by("row").agg(pl.col("chars").max())
    return (
        answers.join(shown, on="row", how="left")
        .with_columns(pl.col("chars").fill_null(0))
        .select("row", "answer", needed=pl.max_horizontal(pl.col("chars") + 1, ALIAS_SWITCH_CHARS))
    )


def rerank(
    description: pl.Series,
    ids: npt.NDArray[np.int64],
    summed: npt.NDArray[np.float32],
    merchant: npt.NDArray[np.int64],
    confidence: npt.NDArray[np.float32],
    tables: AliasTables,
    threshold: float,
    not_merchant: npt.NDArray[np.bool_] | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """The model's answer per row (``merchant`` at ``confidence``; ``ids``/``summed`` are its
    top-k candidates with each one's merchant total) corrected by alias evidence (module
    docstring). A row that changes merchant gets ``threshold`` as its confidence: the text,
    not the model, vouches for it. ``not_merchant`` marks rows whose counterparty is known
    not to be a merchant (a person paid by Zelle, an employer's payroll): evidence names no
    merchant there that the model did not (``ACME CORP PAYROLL``).

    Two lazy queries, each collected once (polars' per-call cost, not the rows, is what a
    small batch pays): the joins against the alias tables, then the choice."""
    n = ids.shape[0]
    if n == 0 or tables.aliases.height == 0:
        return merchant, confidence
    texts = pl.LazyFrame(
        {"row": np.arange(n, dtype=np.int64), "text": alias_keys(description)},
        schema={"row": pl.Int64, "text": pl.String},
    )
    rows, slots = np.nonzero(ids > 0)
    candidates = pl.LazyFrame(
        {"row": rows.astype(np.int64), "label": ids[rows, slots], "p": summed[rows, slots]},
        schema={"row": pl.Int64, "label": pl.Int64, "p": pl.Float32},
    ).unique(["row", "label"])
    answered = (merchant > 0) & (confidence >= threshold)
    at = np.nonzero(answered)[0]
    answers = pl.LazyFrame(
        {"row": at.astype(np.int64), "answer": merchant[at].astype(np.int64)},
        schema={"row": pl.Int64, "answer": pl.Int64},
    )
    aliases, spans = tables.aliases.lazy(), _spans(texts)
    near, printed, run_together, cut = pl.collect_all(
        engine="in-memory",
        lazy_frames=[
            _near(candidates, aliases, spans),
            candidates.join(aliases, on="label")
            .filter(pl.col("p") >= pl.col("floor"))
            .join(texts, on="row")
            .filter(pl.col("text").str.contains(pl.col("alias"), literal=True))
            .select("row", "label", "p", strength="chars"),
            spans.select("row", "word")
            .join(aliases.filter("spaced"), left_on="word", right_on="joined")
            .join(candidates, on=["row", "label"], how="left")
            .select("row", "label", pl.col("p").fill_null(0.0), strength="chars"),
            answers.join(tables.prefixes.lazy(), left_on="answer", right_on="label")
            .join(texts, on="row")
            .filter(pl.col("text").str.contains(pl.col("cut"), literal=True))
            .select("row", "chars"),
        ],
    )
    evidence = (
        pl.concat([printed.lazy(), _misspelt(near, tables.words), run_together.lazy()])
        .group_by("row", "label")
        .agg(pl.col("p").max(), pl.col("strength").max())
    )
    closed = answered if not_merchant is None else answered | not_merchant
    unanswered = evidence.filter(
        ~pl.col("row").is_in(pl.Series(np.nonzero(closed)[0].astype(np.int64)))
    )
    switched = (
        evidence.join(_held(answers, evidence, cut.lazy()), on="row")
        .filter((pl.col("label") != pl.col("answer")) & (pl.col("strength") >= pl.col("needed")))
        .select("row", "label", "p", "strength")
    )
    found = (
        pl.concat([unanswered, switched])
        .sort(["row", "strength", "p", "label"], descending=[False, True, True, False])
        .unique("row", keep="first")
        .collect(engine="in-memory")
    )
    merchant, confidence = merchant.copy(), confidence.copy()
    at = found["row"].to_numpy()
    merchant[at] = found["label"].to_numpy()
    confidence[at] = np.float32(threshold)
    return merchant, confidence
