"""/who's name lookup: misspelt and partial names matched against the store's name words."""
from __future__ import annotations

import bisect
import json
import sqlite3

from rapidfuzz import fuzz, process

from bot.models import PersonMatch
from bot.store.names import name_tokens, whole_label_key


class NameIndex:
    """Who is called what: the store's name words in memory, the people behind them read from SQLite.

    Only the vocabulary of folded name words is held here (a few thousand words, even for 100k
    documents), with how many people have each; `name_postings` gives the people of a word, most
    mentioned first. A query word matches a name word exactly (100); a word that is no name word
    matches as a prefix of at least three letters (85) or by edit similarity ≥ 80. A person's score
    is the mean over the query words of their best match, so "Xi" finds Xi Jinping exactly and
    "blinkin" finds Blinken by similarity; among equal scores, someone with the whole query as a
    name or alias comes first, then the most mentioned.

    Candidates come from the rarest query words: with n words, a person scoring ≥ 75 misses at most
    n // 4 of them, so the postings of the n // 4 + 1 rarest words hold everyone who can qualify. A
    word's postings are read most mentioned first, at most MAX_POSTINGS of them, each with its
    similarity to the other query words worked out in SQL (`_scored`), for those of its people only
    who can still qualify (`_candidates`).
    """

    MAX_POSTINGS = 2000
    THRESHOLD = 75.0
    SEEK_ROWS = 6  # one index probe per row costs about as much as walking six rows of two postings in step
    CROWDED = 250  # people a name word shares with another beyond which that word is passed by to gather candidates

    def __init__(self, conn: sqlite3.Connection):
        self.people: dict[str, int] = dict(conn.execute("select token, people from name_vocabulary"))
        self.vocabulary = sorted(self.people)
        by_length: dict[int, list[str]] = {}
        for token in self.vocabulary:
            by_length.setdefault(len(token), []).append(token)
        longest = max(by_length, default=0)
        # Words within two letters of a length: the only ones that can be 80% alike.
        self.near_length = {length: [t for n in range(length - 2, length + 3) for t in by_length.get(n, ())]
                            for length in range(1, longest + 3)}

    def word_matches(self, word: str) -> dict[str, float]:
        """Vocabulary words like `word`, with how alike they are (0..100)."""
        if word in self.people:  # a real name word: near spellings would only add other people
            return {word: 100.0}
        if len(word) < 3:  # "Xi", "Li": two letters are too few for anything but an exact match
            return {}
        matches: dict[str, float] = {}
        position = bisect.bisect_left(self.vocabulary, word)
        while position < len(self.vocabulary) and self.vocabulary[position].startswith(word) and len(matches) < 50:
            matches[self.vocabulary[position]] = 85.0
            position += 1
        for token, score, _ in process.extract(word, self.near_length.get(len(word), ()), scorer=fuzz.ratio,
                                               score_cutoff=80, limit=20):
            matches[token] = max(matches.get(token, 0.0), min(score, 99.0))
        return matches

    def find(self, conn: sqlite3.Connection, name: str, limit: int) -> list[PersonMatch]:
        words = name_tokens(name)[:6]
        if not words or limit < 1:
            return []
        matches = [self.word_matches(word) for word in words]
        spare = len(words) // 4  # words a person may miss and still average THRESHOLD
        if sum(not m for m in matches) > spare:
            return []
        prominence: dict[int, tuple[int, int, int]] = {}
        best: dict[int, list[float]] = {}
        for pid, mentions, quotes in conn.execute(
                "select person_id, mentions, quotes from name_postings where token = ?"
                " order by mentions desc, quotes desc, person_id limit ?", (whole_label_key(" ".join(words)), limit)):
            best[pid], prominence[pid] = [100.0] * len(words), (mentions, quotes, -pid)
        whole = set(best)
        # Rarest: the fewest postings in all (a word without matches last: it adds nobody).
        rarest = sorted(range(len(words)), key=lambda i: sum(self.people[t] for t in matches[i]) if matches[i] else 1 << 62)
        for i in rarest[:spare + 1]:
            # One word: a person's score is their best token's, so each token's `limit` most mentioned suffice.
            cap = limit if len(words) == 1 else max(limit, self.MAX_POSTINGS // len(matches[i]))
            for token, similarity in matches[i].items():
                for pid, mentions, quotes, *others in self._scored(conn, token, similarity, matches, i, cap):
                    prominence[pid] = (mentions, quotes, -pid)
                    scores = best.setdefault(pid, [0.0] * len(words))
                    scores[i] = max(scores[i], similarity)
                    for j, score in zip((j for j in range(len(words)) if j != i), others):
                        scores[j] = max(scores[j], score)
        ranked = sorted(((sum(scores) / len(words), pid in whole, prominence[pid], pid) for pid, scores in best.items()),
                        reverse=True)
        ranked = [(score, pid) for score, _, _, pid in ranked[:limit] if score >= self.THRESHOLD]
        rows = self._people(conn, [pid for _, pid in ranked])
        return [PersonMatch(pid, rows[pid]["name"], rows[pid]["role"], rows[pid]["mentions"], round(score, 1))
                for score, pid in ranked]

    def _scored(self, conn: sqlite3.Connection, token: str, similarity: float, matches: list[dict[str, float]],
                i: int, cap: int) -> list[tuple]:
        """The people with name word `token` (matching query word i that well) who can still reach
        THRESHOLD, most mentioned first, at most `cap`: (person_id, mentions, quotes, then their best
        similarity to each other query word).

        A person's postings all carry the same (mentions, quotes), so each other word's similarity
        is one index probe per name word it matches; those probes are made for `_candidates` only."""
        columns, params = [], []
        for j, m in enumerate(matches):
            if j == i:
                continue
            if not m:
                columns.append("0")
                continue
            cases = " ".join("when ? then ?" for _ in m)
            columns.append(f"coalesce((select max(case o.token {cases} end) from name_postings o"
                           f" where o.token in ({','.join('?' * len(m))}) and o.mentions = p.mentions"
                           " and o.quotes = p.quotes and o.person_id = p.person_id), 0)")
            params += [*(x for item in m.items() for x in item), *m]
        named = [f"{column} as s{n}" for n, column in enumerate(columns)]
        total = " + ".join(["?"] + [f"s{n}" for n in range(len(columns))])
        postings = "name_postings p where token = ?"
        candidates = self._candidates(conn, token, similarity, matches, i) if columns else None
        if candidates is not None:  # only the candidates' postings of `token`, each read by its key
            postings = ("json_each(?) c cross join name_postings p on p.token = ? and p.mentions = c.value ->> 0"
                        " and p.quotes = c.value ->> 1 and p.person_id = c.value ->> 2")
            params.append(json.dumps(candidates))
        sql = (f"select * from (select person_id, mentions, quotes{''.join(', ' + c for c in named)}"
               f" from {postings}) where {total} >= ?"
               " order by mentions desc, quotes desc, person_id limit ?")
        # A hair below THRESHOLD: SQL adds in another order than Python, which decides at the end.
        return conn.execute(sql, (*params, token, similarity, self.THRESHOLD * len(matches) - 1e-6, cap)).fetchall()

    def _candidates(self, conn: sqlite3.Connection, token: str, similarity: float, matches: list[dict[str, float]],
                    i: int) -> list[tuple[int, int, int]] | None:
        """The postings (mentions, quotes, person_id) of name word `token`, for query word i, whose people
        can reach THRESHOLD; some that cannot may be among them, none that can is left out. None when
        probing every posting of `token` costs no more than gathering them.

        With n query words a person may miss at most n // 4 of them (see `find`), so of any n // 4 + 1
        other words they match one: the postings `token` shares with those words' name words hold all
        who qualify. The n // 4 + 1 words that gather them are the cheapest to intersect with `token`
        that it shares with at most CROWDED people (a word shared with more is passed by while enough
        words are left; its rows are read no further). Each next word, cheapest first, is then
        intersected too while that costs less than probing each person left for it (as `_scored`
        does), and a person is kept while their best similarities to the words taken, with the best
        any name word has for the rest, can still average THRESHOLD. Misspelt multi-word names on a
        store with few distinct name words (1.57 M people, 6,720 words at 1M documents) give a first
        name's 11,000 people, each probed for a dozen fuzzy surnames: 45 ms; intersected first,
        2-3 ms. Name words that always come together ('Huckabee Makes Sexist', 2,234 people) share
        all their people: they gather nobody out."""
        size = self.people[token]

        def cost(other: str) -> int:
            small, large = sorted((size, self.people[other]))
            return min(small * self.SEEK_ROWS, small + large)

        def best_of(j: int, among: dict | None = None, most: int | None = None) -> dict | None:
            """Word j's best similarity for each posting of `token` that has one of its name words (of
            those in `among`); None when more than `most` have one."""
            best: dict[tuple[int, int, int], float] = {}
            for other, score in matches[j].items():
                for posting in self._shared(conn, token, other):
                    if among is None or posting in among:
                        best[posting] = max(best.get(posting, 0.0), score)
                        if most is not None and len(best) > most:
                            return None
            return best

        others = sorted((j for j in range(len(matches)) if j != i), key=lambda j: sum(map(cost, matches[j])))
        gather = len(matches) // 4 + 1
        probing = size * sum(len(matches[j]) for j in others) * self.SEEK_ROWS  # each posting for each name word
        if probing <= sum(sum(map(cost, matches[j])) for j in others[:gather]):
            return None
        gathered: dict[int, dict[tuple[int, int, int], float]] = {}
        for n, j in enumerate(others):
            if len(gathered) == gather:
                break
            choice = len(others) - n - 1 >= gather - len(gathered)  # enough words left to pass this one by
            best = best_of(j, most=self.CROWDED if choice else None)
            if best is not None:
                gathered[j] = best
        known: dict[tuple[int, int, int], float] = {}  # the sum of the similarities found so far
        for best in gathered.values():
            for posting, score in best.items():
                known[posting] = known.get(posting, 0.0) + score
        rest = [j for j in others if j not in gathered]
        floor = self.THRESHOLD * len(matches) - 2e-6  # below the SQL's own test (`_scored`), by a rounding margin
        for n in range(len(rest) + 1):
            left = similarity + sum(max(matches[j].values(), default=0.0) for j in rest[n:])
            known = {posting: score for posting, score in known.items() if left + score >= floor}
            if n == len(rest):
                break
            probes = len(known) * len(matches[rest[n]]) * self.SEEK_ROWS
            if sum(map(cost, matches[rest[n]])) > probes:
                break  # the rest is cheaper probed person by person (`_scored`)
            found = best_of(rest[n], known)
            known = {posting: score + found.get(posting, 0.0) for posting, score in known.items()}
        return list(known)

    def _shared(self, conn: sqlite3.Connection, token: str, other: str) -> sqlite3.Cursor:
        """The postings (mentions, quotes, person_id) of the people who have both name words: both
        lists walked in step (they share one order), or the shorter one's rows probed in the other."""
        small, large = sorted((token, other), key=self.people.__getitem__)
        cursor = conn.cursor()
        cursor.row_factory = None  # tuples, not rows by name: they are looked up as they are
        if self.people[small] + self.people[large] <= self.people[small] * self.SEEK_ROWS:
            return cursor.execute("select mentions, quotes, person_id from name_postings where token = ? intersect"
                                  " select mentions, quotes, person_id from name_postings where token = ?"
                                  " order by 1 desc, 2 desc, 3", (small, large))
        return cursor.execute("select o.mentions, o.quotes, o.person_id from name_postings o where o.token = ?"
                              " and exists (select 1 from name_postings p where p.token = ? and p.mentions = o.mentions"
                              " and p.quotes = o.quotes and p.person_id = o.person_id)", (small, large))

    @staticmethod
    def _people(conn: sqlite3.Connection, ids: list[int]) -> dict[int, sqlite3.Row]:
        if not ids:
            return {}
        return {row["id"]: row for row in conn.execute(
            "select id, name, role, mentions from people where id in (select value from json_each(?))",
            (json.dumps(ids),))}
