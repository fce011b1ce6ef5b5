"""Matching a new version's paragraphs to the previous version's, re-finding quoted passages, and word-level
differences (plain Python: no Flask, no database).

Paragraph matching: identical text first (unchanged or moved), then similar text (edited or moved and
edited) by word overlap; a matched paragraph keeps its anchor. Whether a pair moved is decided by the longest
run of pairs that keep their order (a longest increasing subsequence): pairs outside it moved.

Quoted passages are re-found with Google's diff-match-patch: the passage's old position is carried through
the diff of the two paragraph texts, and what lies there now is compared with the quote.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from diff_match_patch import diff_match_patch

#: Paragraphs sharing at least this share of their words count as one edited paragraph.
SIMILAR = 0.5
#: A reworded paragraph standing where the old one stood (between the same matched neighbours) needs less.
SIMILAR_IN_PLACE = 0.25
#: A re-found passage still "is there" when at most this share of it changed.
PASSAGE_TOLERANCE = 0.25

_WORD = re.compile(r"\w+", re.UNICODE)
_TOKENS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Pair:
    old: int  # index into the old paragraphs
    new: int
    change: str  # unchanged, moved, edited, moved_edited


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.casefold()))


def _similarity(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _dice(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def _in_place(old: list[str], new: list[str], pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Pair the remaining paragraphs that stand in the same gap between matched neighbours (a reworded
    paragraph in its place), by word overlap above SIMILAR_IN_PLACE."""
    old_of_new = {j: i for i, j in pairs}
    taken_old = {i for i, _ in pairs}
    found: list[tuple[int, int]] = []
    low = -1
    for j in range(len(new)):
        if j in old_of_new:
            low = max(low, old_of_new[j])
            continue
        high = next((old_of_new[k] for k in range(j + 1, len(new)) if k in old_of_new), len(old))
        if high <= low:
            continue
        words = _words(new[j])
        best, best_score = None, SIMILAR_IN_PLACE
        for i in range(low + 1, high):
            if i in taken_old:
                continue
            score = _dice(_words(old[i]), words)
            if score >= best_score:
                best, best_score = i, score
        if best is not None:
            found.append((best, j))
            taken_old.add(best)
            old_of_new[j] = best
            low = best
    return found


def _kept_order(pairs: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """The largest set of pairs whose old indices increase with the new ones (the rest moved)."""
    pairs = sorted(pairs, key=lambda p: p[1])
    tails: list[int] = []
    tail_idx: list[int] = []
    parent = [-1] * len(pairs)
    for i, (old, _new) in enumerate(pairs):
        k = bisect.bisect_left(tails, old)
        if k == len(tails):
            tails.append(old)
            tail_idx.append(i)
        else:
            tails[k] = old
            tail_idx[k] = i
        parent[i] = tail_idx[k - 1] if k else -1
    kept = set()
    i = tail_idx[-1] if tail_idx else -1
    while i != -1:
        kept.add(pairs[i])
        i = parent[i]
    return kept


def match_paragraphs(old: list[str], new: list[str]) -> list[Pair]:
    """Pairs of (old index, new index) with how the paragraph changed; unpaired old ones were removed,
    unpaired new ones are new."""
    by_text: dict[str, list[int]] = {}
    for i, text in enumerate(old):
        by_text.setdefault(normalise(text), []).append(i)
    exact: list[tuple[int, int]] = []
    used_old: set[int] = set()
    unmatched_new: list[int] = []
    for j, text in enumerate(new):
        candidates = by_text.get(normalise(text))
        if candidates:
            i = candidates.pop(0)
            exact.append((i, j))
            used_old.add(i)
        else:
            unmatched_new.append(j)
    rest_old = [i for i in range(len(old)) if i not in used_old]
    old_words = {i: _words(old[i]) for i in rest_old}
    scored = []
    for j in unmatched_new:
        nw = _words(new[j])
        for i in rest_old:
            score = _similarity(old_words[i], nw)
            if score >= SIMILAR:
                # Prefer nearby paragraphs among equally similar ones.
                scored.append((-score, abs(i - j), i, j))
    scored.sort()
    fuzzy: list[tuple[int, int]] = []
    taken_old: set[int] = set()
    taken_new: set[int] = set()
    for _score, _dist, i, j in scored:
        if i in taken_old or j in taken_new:
            continue
        taken_old.add(i)
        taken_new.add(j)
        fuzzy.append((i, j))
    kept = _kept_order(exact + fuzzy)
    fuzzy += _in_place(old, new, [p for p in exact + fuzzy if p in kept])
    kept = _kept_order(exact + fuzzy)
    pairs = [Pair(i, j, "unchanged" if (i, j) in kept else "moved") for i, j in exact]
    pairs += [Pair(i, j, "edited" if (i, j) in kept else "moved_edited") for i, j in fuzzy]
    return sorted(pairs, key=lambda p: p.new)


@dataclass(frozen=True)
class QuoteMatch:
    found: bool
    start: int | None
    end: int | None
    text: str | None  # the passage as it reads in the new paragraph


def _dmp() -> diff_match_patch:
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 0.5
    return dmp


def refind_quote(old_paragraph_text: str, quote: str, new_paragraph_text: str,
                 old_start: int | None = None) -> QuoteMatch:
    """Where `quote` (a passage of the old paragraph, at `old_start` when known) is in the new paragraph.

    Found unchanged: its place. Reworded around it: its place all the same. Changed itself (more than
    PASSAGE_TOLERANCE of it): not found ("passage changed"), with the text now in its place if any.
    """
    if not quote:
        return QuoteMatch(False, None, None, None)
    if old_start is None or old_paragraph_text[old_start:old_start + len(quote)] != quote:
        found_at = old_paragraph_text.find(quote)
        old_start = found_at if found_at >= 0 else None
    exact = [m.start() for m in re.finditer(re.escape(quote), new_paragraph_text)]
    dmp = _dmp()
    if old_start is not None:
        diffs = dmp.diff_main(old_paragraph_text, new_paragraph_text)
        start = dmp.diff_xIndex(diffs, old_start)
        end = dmp.diff_xIndex(diffs, old_start + len(quote))
    else:
        # The quote is not in the old text as given: look for it where it would be, fuzzily.
        loc = dmp.match_main(new_paragraph_text, quote[:32], 0) if len(quote) else -1
        start, end = (loc, loc + len(quote)) if loc >= 0 else (None, None)
    if exact:
        best = min(exact, key=lambda s: abs(s - start) if start is not None else s)
        return QuoteMatch(True, best, best + len(quote), quote)
    if start is None or end is None or end <= start:
        return QuoteMatch(False, None, None, None)
    now = new_paragraph_text[start:end]
    distance = dmp.diff_levenshtein(dmp.diff_main(quote, now))
    if distance <= PASSAGE_TOLERANCE * len(quote):
        return QuoteMatch(True, start, end, now)
    return QuoteMatch(False, start, end, now)


def word_diff(old: str, new: str) -> list[tuple[int, str]]:
    """Word-level differences: a list of (-1 removed / 0 same / 1 inserted, text)."""
    tokens: dict[str, str] = {}
    reverse: list[str] = []

    def encode(text: str) -> str:
        out = []
        for token in _TOKENS.findall(text):
            if token not in tokens:
                n = len(reverse)
                tokens[token] = chr(0xE000 + n) if n < 6400 else chr(0xF0000 + n)
                reverse.append(token)
            out.append(tokens[token])
        return "".join(out)

    a, b = encode(old), encode(new)
    lookup = {v: k for k, v in tokens.items()}
    dmp = _dmp()
    diffs = dmp.diff_main(a, b, False)
    dmp.diff_cleanupSemantic(diffs)
    return [(op, "".join(lookup[ch] for ch in chunk)) for op, chunk in diffs]
