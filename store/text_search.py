"""What a word is to search, the same on both engines: accents folded, lower case,
French Snowball stems (PyStemmer here; PostgreSQL's `unaccent` + `french_stem`, the same
algorithm, in the `aurentia_french` configuration of migration 0008).

SQLite's FTS5 tables hold the stemmed text that `stem_text` makes (registered as the SQL
function `aurentia_stem` on every SQLite connection, for the triggers that keep them);
a query goes through the same function before it reaches FTS5. Web-search syntax
(quoted phrases, `-word`, `OR`) is parsed here for FTS5 and for highlighting; PostgreSQL
parses it itself with `websearch_to_tsquery`.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import Stemmer

STEM_FUNCTION = "aurentia_stem"
_WORD = re.compile(r"\w+")
_TOKEN = re.compile(r'-?"[^"]*"?|\S+')
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
MARK, END_MARK = "<mark>", "</mark>"
# The commonest of PostgreSQL's French stop words, folded: left out of SQLite queries too.
_STOP_WORDS = frozenset(
    [
        "a",
        "au",
        "aux",
        "c",
        "ce",
        "ces",
        "d",
        "dans",
        "de",
        "des",
        "du",
        "elle",
        "en",
        "et",
        "il",
        "j",
        "l",
        "la",
        "le",
        "les",
        "leur",
        "lui",
        "m",
        "ma",
        "mais",
        "me",
        "mes",
        "n",
        "ne",
        "nous",
        "on",
        "ou",
        "par",
        "pas",
        "pour",
        "qu",
        "que",
        "qui",
        "s",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "t",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "y",
    ]
)


@functools.cache
def _stemmer() -> Any:
    return Stemmer.Stemmer("french")


def fold(text: str) -> str:
    """Lower case without accents ("Équipe" -> "equipe")."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def stems(text: str, drop_stop_words: bool = False) -> list[str]:
    words = _WORD.findall(fold(text))
    if drop_stop_words:
        words = [w for w in words if w not in _STOP_WORDS]
    return list(_stemmer().stemWords(words)) if words else []


def stem_text(text: str | None) -> str:
    """The text as the SQLite index holds it: its stems, space separated."""
    return " ".join(stems(text)) if text else ""


@functools.lru_cache(maxsize=1 << 16)
def _word_stems(word: str) -> str:
    """`stem_text` of one word of a text, remembered: a page of snippets stems the same
    few hundred words of a language again and again (it was a fifth of a search's CPU)."""
    return stem_text(word)


def register_sqlite_functions(dbapi_connection: Any) -> None:
    """`aurentia_stem(text)` for the FTS5 triggers and queries (every SQLite connection,
    the migrations' included)."""
    dbapi_connection.create_function(STEM_FUNCTION, 1, stem_text, deterministic=True)


@dataclass(frozen=True)
class Term:
    """A word or a quoted phrase, as stems."""

    stems: tuple[str, ...]
    negated: bool = False


@dataclass
class WebQuery:
    """Clauses joined by OR; each clause is its terms joined by AND (as PostgreSQL's
    `websearch_to_tsquery` reads `a b OR c -d`: `(a & b) | (c & !d)`)."""

    clauses: list[list[Term]] = field(default_factory=list)

    def positive_stems(self) -> set[str]:
        return {s for clause in self.clauses for t in clause if not t.negated for s in t.stems}

    def is_empty(self) -> bool:
        return not any(any(not t.negated for t in clause) for clause in self.clauses)


def parse(query: str, web: bool = True) -> WebQuery:
    """Quoted phrases, `-` to exclude a word or a phrase, `OR` between alternatives;
    anything else is plain words (punctuation never reaches an engine's syntax). Not
    `web`: every word must appear, whatever surrounds it. French stop words ("le", "de")
    are dropped from the words (not the phrases), as PostgreSQL's configuration does."""
    if not web:
        words = [Term((s,)) for s in stems(query, drop_stop_words=True)]
        return WebQuery([words] if words else [])
    clauses: list[list[Term]] = [[]]
    for token in _TOKEN.findall(query):
        if token.upper() == "OR":
            clauses.append([])
            continue
        negated = token.startswith("-") and len(token) > 1
        body = token[1:] if negated else token
        phrase = body.startswith('"')
        found = stems(body.strip('"'), drop_stop_words=not phrase)
        if not found:
            continue
        if phrase:
            clauses[-1].append(Term(tuple(found), negated))
        else:  # an unquoted token is a word or several (e.g. "l'équipe": equip)
            clauses[-1].extend(Term((s,), negated) for s in found)
    return WebQuery([c for c in clauses if any(not t.negated for t in c)])


def fts5_expression(query: WebQuery) -> str:
    """The FTS5 MATCH expression of a parsed query: only quoted stems and the operators
    AND, OR, NOT (stems are word characters only, so quoting them is safe)."""

    def quoted(term: Term) -> str:
        return '"' + " ".join(term.stems) + '"'

    parts = []
    for clause in query.clauses:
        positive = " AND ".join(quoted(t) for t in clause if not t.negated)
        negative = "".join(f" NOT {quoted(t)}" for t in clause if t.negated)
        parts.append(f"({positive}{negative})")
    return " OR ".join(parts)


def snippet(text: str, query: WebQuery, width: int = 24) -> str:
    """About `width` words of `text` around the first match, HTML-escaped, the matching
    words in <mark>...</mark>; an ellipsis where text was cut."""
    wanted = query.positive_stems()
    words = list(_WORD.finditer(text))
    hits = [i for i, w in enumerate(words) if _word_stems(w.group()) in wanted]
    if not words:
        return html.escape(text[:200])
    first = hits[0] if hits else 0
    start = max(0, first - width // 3)
    end = min(len(words), start + width)
    begin_at = words[start].start() if start > 0 else 0
    end_at = words[end - 1].end() if end < len(words) else len(text)
    out, cursor = [], begin_at
    for i in hits:
        if start <= i < end:
            match = words[i]
            out.append(html.escape(text[cursor : match.start()]))
            out.append(MARK + html.escape(match.group()) + END_MARK)
            cursor = match.end()
    out.append(html.escape(text[cursor:end_at]))
    return ("… " if begin_at > 0 else "") + "".join(out) + (" …" if end_at < len(text) else "")
