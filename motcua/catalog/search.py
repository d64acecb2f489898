"""Search of the procedure catalog: without diacritics, case-insensitive, typo-tolerant, ranked.

Results are identical on SQLite and PostgreSQL by construction: all text matching is done on
the folded columns (`name_folded`, `search_folded`, kept by `Procedure.refresh_search_columns`)
with the same Python code, and the database is asked only questions both answer alike (status
and filters, ids, `LIKE '%word%'`).

1. The query is folded like the stored columns (`fold`: lower case, no diacritics, đ → d) and
   split into words (terms). An unknown word of 4+ letters also accepts the known words one edit
   away (a typo); an unknown word of 3+ letters may also be the start of a word.
2. A per-process index of the folded columns (for each word, the procedures having it in their
   name, field or documents) gives the procedures having every term as a whole word.
3. The database keeps those that are available and pass the filters, now: by id when they are
   few, else with `LIKE '%word%'` on the folded columns (pg_trgm GIN indexes on PostgreSQL).
   When none has every word, those having the most words are kept (at least half of them).
4. One scoring function, `rank_key`, orders them: more terms matched, then matches in the name,
   the query as a phrase in the name, matches in the documents, then in the field, shorter
   names, and the code.

The index is rebuilt when the catalog changes (signals in this process; a revision check every
MOTCUA_SEARCH_INDEX_TTL seconds for changes made by others). Why: docs/catalog-search.md.
"""

from __future__ import annotations

import bisect
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from itertools import chain

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.db.models.signals import post_delete, post_save

from motcua.common.text import fold

from . import selectors
from .models import (
    Field,
    Level,
    OnlineLevel,
    Procedure,
    ProcedureStatus,
    ProcedureVersion,
    RequiredDocument,
)

MIN_TYPO_LENGTH = 4  # shorter words have too many neighbours one edit away
MIN_PREFIX_LENGTH = 3
MAX_TERMS = 8  # longer queries are cut
MAX_QUERY_LENGTH = 200
MAX_IDS_LOOKUP = 300  # up to this many candidates, check them by id rather than by LIKE
DEFAULT_INDEX_TTL = 5.0  # seconds between checks that the catalog has not changed elsewhere

# Match classes of a term in a part of a procedure (higher is better); also its points.
EXACT, PREFIX, TYPO, NONE = 3, 2, 1, 0

# A national code, or its beginning (`1.004`): searched by code, not by words.
CODE_QUERY_RE = re.compile(r"^[0-9]\.[0-9]{3,6}(\.[0-9A-Za-z]+)*$")

_EMPTY: frozenset[int] = frozenset()


# --- Query terms -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One word of the query and the known words it may match besides itself."""

    word: str
    typos: frozenset[str] = frozenset()  # known words one edit away
    prefixes: frozenset[str] = frozenset()  # known words starting with an unknown `word`

    def patterns(self) -> list[str]:
        """Substrings for SQL LIKE, minus those implied by a shorter one (`thuon` ⊂ `thuong`).

        Every word this term matches contains one of them, so LIKE never drops a match.
        """
        candidates = sorted({self.word, *self.typos}, key=lambda p: (len(p), p))
        kept: list[str] = []
        for pattern in candidates:
            if not any(k in pattern for k in kept):
                kept.append(pattern)
        return kept


def query_phrase(terms: list[Term]) -> str | None:
    """The query's words as a padded phrase (" dang ky thuong tru "), for two words or more."""
    return f" {' '.join(t.word for t in terms)} " if len(terms) > 1 else None


# --- The index ------------------------------------------------------------------------------

PARTS = ("name", "field", "documents")


def split_search_folded(search_folded: str, field_folded: str) -> str:
    """The documents' part of search_folded (which is the field's folded name, then them)."""
    if field_folded and search_folded.startswith(field_folded):
        return search_folded[len(field_folded) :].strip()
    return search_folded


@dataclass(frozen=True)
class Index:
    """For each part (name, field, documents) and word, the procedures having it (postings);
    each procedure's code and folded name; the sorted vocabulary.

    Sets of ids and tuples of strings only: a few thousand objects for the garbage collector,
    whatever the size of the catalog.
    """

    postings: dict[str, dict[str, frozenset[int]]]  # part → word → ids
    procedures: dict[int, tuple[str, str, int]]  # id → (code, " padded name ", words in name)
    words: frozenset[str]
    sorted_words: tuple[str, ...]
    alphabet: str
    revision: tuple = ()

    @classmethod
    def build(cls, rows, revision: tuple = ()) -> Index:
        """`rows`: (id, code, name_folded, search_folded, the field's name_folded)."""
        postings: dict[str, dict[str, set[int]]] = {part: {} for part in PARTS}
        procedures = {}
        for pk, code, name, search, field_name in rows:
            field_name = field_name or ""
            words = name.split()
            procedures[pk] = (code, f" {name} ", len(words))
            texts = (words, field_name.split(), split_search_folded(search, field_name).split())
            for part, part_words in zip(PARTS, texts, strict=True):
                table = postings[part]
                for word in part_words:
                    table.setdefault(word, set()).add(pk)
        vocabulary = set(chain.from_iterable(postings.values()))
        return cls(
            postings={
                part: {word: frozenset(ids) for word, ids in table.items()}
                for part, table in postings.items()
            },
            procedures=procedures,
            words=frozenset(vocabulary),
            sorted_words=tuple(sorted(vocabulary)),
            alphabet="".join(sorted(set("".join(vocabulary)))),
            revision=revision,
        )

    @classmethod
    def from_texts(cls, texts) -> Index:
        """An index of bare names (for tests and tools)."""
        return cls.build((i, f"0.{i:06d}", text, "", "") for i, text in enumerate(texts))

    def neighbours(self, word: str) -> tuple[str, ...]:
        """Known words one edit away (insert, delete, substitute, swap two adjacent letters)."""
        edits = set()
        for i in range(len(word) + 1):
            head, tail = word[:i], word[i:]
            if tail:
                edits.add(head + tail[1:])
                if len(tail) > 1:
                    edits.add(head + tail[1] + tail[0] + tail[2:])
            for letter in self.alphabet:
                edits.add(head + letter + tail)
                if tail:
                    edits.add(head + letter + tail[1:])
        edits.discard(word)
        return tuple(sorted(edits & self.words))

    def starting_with(self, prefix: str) -> frozenset[str]:
        words = self.sorted_words
        start = end = bisect.bisect_left(words, prefix)
        while end < len(words) and words[end].startswith(prefix):
            end += 1
        return frozenset(words[start:end])

    def ids(self, part: str, words) -> frozenset[int]:
        table = self.postings[part]
        found = [table[w] for w in words if w in table]
        if len(found) == 1:
            return found[0]
        return frozenset().union(*found) if found else _EMPTY


def parse_query(text: str, idx: Index) -> list[Term]:
    words = list(dict.fromkeys(fold(text[:MAX_QUERY_LENGTH]).split()))[:MAX_TERMS]
    terms = []
    for word in words:
        if word in idx.words:
            terms.append(Term(word))
            continue
        typos = idx.neighbours(word) if len(word) >= MIN_TYPO_LENGTH else ()
        prefixes = idx.starting_with(word) if len(word) >= MIN_PREFIX_LENGTH else frozenset()
        terms.append(Term(word, frozenset(typos), prefixes))
    return terms


class _Matches:
    """For one term: per part, the ids matching it by class (exact, prefix, typo)."""

    def __init__(self, idx: Index, term: Term):
        self.by_part = {
            part: [
                (points, ids)
                for points, words in (
                    (EXACT, (term.word,)),
                    (PREFIX, term.prefixes),
                    (TYPO, term.typos),
                )
                if words and (ids := idx.ids(part, words))
            ]
            for part in PARTS
        }
        self.any = frozenset().union(*(ids for found in self.by_part.values() for _p, ids in found))

    def points(self, part: str, pk: int) -> int:
        for points, ids in self.by_part[part]:
            if pk in ids:
                return points
        return NONE


# --- Ranking ------------------------------------------------------------------------------


def rank_key(
    name: list[int],
    documents: list[int],
    field: list[int],
    *,
    phrase_in_name: bool,
    name_length: int,
    code: str,
) -> tuple:
    """The single ranking function: sort ascending by this key (best first).

    `name`, `documents`, `field`: each term's match class in that part (EXACT 3, PREFIX 2,
    TYPO 1, NONE 0), which are also its points. Order: more terms matched anywhere, more name
    points, the query as a phrase in the name, more document points, more field points, fewer
    words in the name, then the code.
    """
    matched = sum(1 for n, d, f in zip(name, documents, field, strict=True) if n or d or f)
    return (
        -matched,
        -sum(name),
        -1 if phrase_in_name else 0,
        -sum(documents),
        -sum(field),
        name_length,
        code,
    )


def _ranked(idx: Index, terms: list[Term], matches: list[_Matches], hits) -> list[int]:
    phrase = query_phrase(terms)

    def key(pk: int) -> tuple:
        code, name, length = idx.procedures[pk]
        return rank_key(
            [m.points("name", pk) for m in matches],
            [m.points("documents", pk) for m in matches],
            [m.points("field", pk) for m in matches],
            phrase_in_name=phrase is not None and phrase in name,
            name_length=length,
            code=code,
        )

    return sorted(hits, key=key)


# --- The index cache ------------------------------------------------------------------------


def _catalog_revision() -> tuple:
    # Searchable text only changes with a new version (refresh_search_columns copies it), so the
    # versions' count, last id and last creation time identify the index's content.
    row = ProcedureVersion.objects.aggregate(n=Count("id"), last=Max("id"), at=Max("created_at"))
    return (row["n"], row["last"], row["at"])


class _IndexCache:
    """Per-process cache, rebuilt when the catalog's revision changes.

    Checked at most every MOTCUA_SEARCH_INDEX_TTL seconds: another process's new version shows
    here that much later (availability and filters are always read live from the database).
    Writes in this process invalidate it at once through signals.
    """

    def __init__(self):
        self._value: Index | None = None
        self._checked = 0.0
        self._dirty = True
        self._lock = threading.Lock()

    def invalidate(self, **_kwargs) -> None:
        self._dirty = True

    def get(self) -> Index:
        ttl = getattr(settings, "MOTCUA_SEARCH_INDEX_TTL", DEFAULT_INDEX_TTL)
        value = self._value
        if value is not None and not self._dirty and time.monotonic() - self._checked < ttl:
            return value
        with self._lock:
            revision = _catalog_revision()
            if self._value is None or self._dirty or self._value.revision != revision:
                self._dirty = False  # before building: a write during the build dirties it again
                rows = Procedure.objects.values_list(
                    "id", "code", "name_folded", "search_folded", "field__name_folded"
                )
                self._value = Index.build(rows.iterator(chunk_size=2000), revision)
            self._checked = time.monotonic()
            return self._value


_index = _IndexCache()
for _model in (Procedure, ProcedureVersion, RequiredDocument, Field):
    post_save.connect(_index.invalidate, sender=_model, dispatch_uid=f"search-{_model.__name__}")
    post_delete.connect(
        _index.invalidate, sender=_model, dispatch_uid=f"search-del-{_model.__name__}"
    )


def index() -> Index:
    return _index.get()


def invalidate_index() -> None:
    _index.invalidate()


# --- The search ---------------------------------------------------------------------------


class SearchResults:
    """Procedures in rank order; slicing loads only the rows asked for (paginator-friendly)."""

    def __init__(
        self,
        *,
        ids: list[int] | None = None,
        queryset: QuerySet | None = None,
        terms: list[Term] = (),
        relaxed: bool = False,
    ):
        self._ids = ids
        self._queryset = queryset
        self._count: int | None = None
        self.terms = list(terms)
        # True when no procedure matched every word and some words were left out.
        self.relaxed = relaxed

    def __len__(self) -> int:
        if self._ids is not None:
            return len(self._ids)
        if self._count is None:
            self._count = self._queryset.count()
        return self._count

    def __getitem__(self, index):
        if isinstance(index, int):
            items = self[index : index + 1] if index >= 0 else self[len(self) + index :][:1]
            if not items:
                raise IndexError(index)
            return items[0]
        if self._ids is None:
            return list(self._queryset[index])
        ids = self._ids[index]
        by_id = selectors.with_listing_data(Procedure.objects.all()).in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]

    def __iter__(self):
        return iter(self[:])

    @property
    def ids(self) -> list[int]:
        if self._ids is not None:
            return list(self._ids)
        return list(self._queryset.values_list("id", flat=True))


def filtered(
    *,
    field: Field | int | None = None,
    level: str | None = None,
    agency=None,
    online: str | None = None,
) -> QuerySet:
    """Available procedures with the listing filters applied (no text)."""
    if level is not None and level not in Level.values:
        raise ValueError(f"unknown level {level!r}")
    if online is not None and online not in OnlineLevel.values:
        raise ValueError(f"unknown online level {online!r}")
    queryset = Procedure.objects.filter(status=ProcedureStatus.ACTIVE)
    if field is not None:
        queryset = queryset.filter(field=field)
    if level == Level.PROVINCE:
        queryset = queryset.filter(at_province=True)
    elif level == Level.COMMUNE:
        queryset = queryset.filter(at_commune=True)
    if agency is not None:
        queryset = queryset.filter(agencies=agency)
    if online is not None:
        queryset = queryset.filter(online=online)
    return queryset


def _term_q(term: Term) -> Q:
    q = Q()
    for pattern in term.patterns():
        q |= Q(name_folded__contains=pattern) | Q(search_folded__contains=pattern)
    return q


def _live(base: QuerySet, terms: list[Term], ids, *, every: bool) -> set[int]:
    """Those of `ids` that are available and pass the filters, according to the database now.

    A few ids are looked up by primary key; many, with the words as LIKE substrings (every
    term, or any term): a long IN list costs more than scanning the folded columns.
    """
    if not ids:
        return set()
    if len(ids) <= MAX_IDS_LOOKUP:
        return set(base.filter(id__in=sorted(ids)).values_list("id", flat=True))
    clauses = [_term_q(t) for t in terms]
    if every:
        for clause in clauses:
            base = base.filter(clause)
    else:
        base = base.filter(Q.create(clauses, connector=Q.OR))
    return set(ids).intersection(base.values_list("id", flat=True))


def _hits(base: QuerySet, terms: list[Term], matches: list[_Matches]) -> tuple[set[int], bool]:
    """Ids of the procedures to rank, and whether some words had to be left out."""
    hits = _live(base, terms, frozenset.intersection(*(m.any for m in matches)), every=True)
    if hits or len(terms) == 1:
        return hits, False
    # An extra word: keep the procedures having the most words, at least half of them.
    floor = len(terms) - len(terms) // 2
    counts = Counter(chain.from_iterable(m.any for m in matches))
    best = max(counts.values(), default=0)
    if best < floor:
        return set(), False
    # Usually the best-covered procedures pass the filters: one small look-up.
    live = _live(base, terms, {pk for pk, c in counts.items() if c == best}, every=False)
    if not live and best > floor:
        live = _live(base, terms, {pk for pk, c in counts.items() if c >= floor}, every=False)
    if not live:
        return set(), False
    best = max(counts[pk] for pk in live)
    return {pk for pk in live if counts[pk] == best}, True


def search(
    text: str = "",
    *,
    field: Field | int | None = None,
    level: str | None = None,
    agency=None,
    online: str | None = None,
) -> SearchResults:
    """Search available procedures; without text, list them by code.

    `level` is a Level value, `online` an OnlineLevel value (ValueError otherwise); `field` and
    `agency` are instances or primary keys.
    """
    base = filtered(field=field, level=level, agency=agency, online=online)
    text = (text or "").strip()
    if CODE_QUERY_RE.match(text):
        matches = base.filter(code__startswith=text.upper()).order_by("code")
        return SearchResults(queryset=selectors.with_listing_data(matches))
    idx = index()
    terms = parse_query(text, idx) if text else []
    if not terms:
        return SearchResults(queryset=selectors.with_listing_data(base.order_by("code")))
    matches = [_Matches(idx, term) for term in terms]
    hits, relaxed = _hits(base, terms, matches)
    return SearchResults(ids=_ranked(idx, terms, matches, hits), terms=terms, relaxed=relaxed)
