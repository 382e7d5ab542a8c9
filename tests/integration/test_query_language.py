"""The query language through a real 2-shard cluster: a table of (query,
expected ids) over a small hand-made corpus (French accents, phrases, boolean
operators, parentheses, field scoping, filters, dates, prefixes, boosts),
hostile queries that must be INVALID_ARGUMENT with a position, typed filters
and sorting, and cursor paging while documents are being ingested."""
import threading
import unittest

import grpc
from google.protobuf import timestamp_pb2

from cluster import Cluster, doc, field_violations
from loupe.v1 import query_pb2


def ts(text):
    stamp = timestamp_pb2.Timestamp()
    stamp.FromJsonString(text)
    return stamp


CORPUS = [
    doc("fr-reveil", "Deepseek, un « réveil » pour la Silicon Valley",
        "Nvidia a perdu 16,86 % en une séance après le réveil brutal des marchés.",
        source="lemonde", lang="fr", published_at=ts("2025-01-27T08:00:00Z"),
        tags={"topic": "ai", "region": "us"}),
    doc("fr-retraites", "La réforme des retraites adoptée",
        "Le gouvernement a fait adopter la réforme des retraites malgré la grève.",
        source="lemonde", lang="fr", published_at=ts("2023-03-20T10:00:00Z"),
        tags={"topic": "politics"}),
    doc("fr-reformes", "Des retraites et des réformes",
        "Les retraites seront discutées ; plusieurs réformes sont prévues.",
        source="afp", lang="fr", published_at=ts("2023-01-10T10:00:00Z"),
        tags={"topic": "politics"}),
    doc("en-bank", "Bank of America results",
        "Bank of America reported strong quarterly results on Tuesday.",
        source="bbc", lang="en", published_at=ts("2025-01-15T12:00:00Z"),
        tags={"topic": "finance"}),
    doc("en-america-bank", "America's central bank",
        "The central bank of America kept rates steady; America watches the bank.",
        source="bbc", lang="en", published_at=ts("2025-01-28T12:00:00Z"),
        tags={"topic": "finance"}),
    doc("en-deepseek", "DeepSeek shakes Nvidia",
        "The Chinese model DeepSeek wiped billions off Nvidia and other chip makers.",
        source="reuters", lang="en", published_at=ts("2025-01-28T09:00:00Z"),
        tags={"topic": "ai"}),
    doc("en-deep-sea", "Deep sea exploration",
        "A robot explored the deep ocean floor, far from any chip maker.",
        source="bbc", lang="en", published_at=ts("2024-06-01T00:00:00Z"),
        tags={"topic": "science"}),
    doc("en-nodate", "Nvidia undated note",
        "A note about Nvidia without any date.", source="blog", lang="en"),
]

ALL = {d.id for d in CORPUS}

# (query, expected set of ids)
CASES = [
    ("nvidia", {"fr-reveil", "en-deepseek", "en-nodate"}),
    ("reveil", {"fr-reveil"}),                       # accents folded
    ("RÉVEIL", {"fr-reveil"}),
    ("nvidia deep", {"fr-reveil", "en-deepseek", "en-nodate", "en-deep-sea"}),  # default OR
    ("nvidia AND chinese", {"en-deepseek"}),
    ("nvidia OR ocean", {"fr-reveil", "en-deepseek", "en-nodate", "en-deep-sea"}),
    ("+nvidia -chinese", {"fr-reveil", "en-nodate"}),
    ("nvidia NOT chinese", {"fr-reveil", "en-nodate"}),
    ("(nvidia OR ocean) AND chip", {"en-deepseek", "en-deep-sea"}),
    ("(bank AND rates) OR (nvidia AND séance)", {"en-america-bank", "fr-reveil"}),
    ("((((robot))))", {"en-deep-sea"}),
    ('"bank of america"', {"en-bank", "en-america-bank"}),     # stop word keeps its position
    ('"of america"', {"en-bank", "en-america-bank"}),
    ('"america bank"', set()),                                   # not adjacent in that order
    ('"central bank"', {"en-america-bank"}),
    ('"réforme des retraites"', {"fr-retraites"}),               # French stop word inside
    ('"retraites réforme"', set()),
    ('title:"reforme des retraites"', {"fr-retraites"}),
    ("title:nvidia", {"en-deepseek", "en-nodate"}),
    ("body:nvidia -title:nvidia", {"fr-reveil"}),
    ("title:(ocean OR réforme)", {"fr-retraites", "fr-reformes"}),  # stems meet
    ("nvidia source:lemonde", {"fr-reveil"}),
    ("nvidia source:LEMONDE OR source:reuters", {"fr-reveil", "en-deepseek"}),
    ("retraites lang:fr", {"fr-retraites", "fr-reformes"}),
    ("lang:en -bank", {"en-deepseek", "en-deep-sea", "en-nodate"}),
    ("tag:topic=ai", {"fr-reveil", "en-deepseek"}),
    ("tag:region", {"fr-reveil"}),
    ("tag:topic=finance bank", {"en-bank", "en-america-bank"}),
    ("nvidia date>=2025-01-27", {"fr-reveil", "en-deepseek"}),
    ("nvidia date>2025-01-27", {"en-deepseek"}),
    ("nvidia date<2025-01-28", {"fr-reveil"}),
    ("date:2025-01-28", {"en-america-bank", "en-deepseek"}),
    ("date:[2025-01-01 TO 2025-01-27]", {"fr-reveil", "en-bank"}),
    ("date:[* TO 2023-12-31] retraites", {"fr-retraites", "fr-reformes"}),
    ("deeps*", {"fr-reveil", "en-deepseek"}),
    ("réfor*", {"fr-retraites", "fr-reformes"}),
    ("title:deep*", {"fr-reveil", "en-deepseek", "en-deep-sea"}),
    ("nvidia^3 ocean", {"fr-reveil", "en-deepseek", "en-nodate", "en-deep-sea"}),
]

# (query, substring of the message, byte position)
HOSTILE = [
    ("(" * 40 + "nvidia" + ")" * 40, "nested too deep", 8),
    ("(nvidia", "unbalanced parenthesis", 0),
    ("nvidia)", "unbalanced parenthesis", 6),
    ('"bank of', "unbalanced quote", 0),
    ("nvidia AND", "'AND' must be followed", 7),
    ("OR nvidia", "'OR' must follow a term", 0),
    (" OR ".join(f"w{i}" for i in range(100)), "too many clauses", None),
    ("a*", "matches more than", 0),
    ("nvidia weight:3", "unknown field 'weight'", 7),
    ("date>=2025-13-45", "bad date", 6),
    ("date:[2025-02-01 TO 2025-01-01]", "empty date range", 0),
    ("nvidia^0", "bad boost", 6),
    ("source:bbc^2", "cannot be boosted", 10),
    ("()", "empty group", 0),
    ("-nvidia", "only excluded clauses", 0),
    ("*", "prefix query", 0),
]


class QueryLanguageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(shards=2, extra_query_args=["--max_prefix_expansions=4"])
        cls.cluster.start()
        cls.cluster.ingest(CORPUS)
        cls.cluster.wait_for_hits("nvidia OR bank OR retraites OR deep OR chinese",
                                  expected=len(CORPUS))

    @classmethod
    def tearDownClass(cls):
        cls.cluster.close()

    def ids(self, query, **fields):
        response = self.cluster.search(query, limit=100, **fields)
        self.assertEqual(response.total_hits, len(response.hits), query)
        return [h.id for h in response.hits]

    def test_table(self):
        for query, expected in CASES:
            with self.subTest(query=query):
                self.assertEqual(set(self.ids(query)), expected)

    def test_boost_and_phrase_ranking(self):
        self.assertEqual(self.ids("nvidia ocean^20")[0], "en-deep-sea")
        self.assertNotEqual(self.ids("nvidia ocean")[0], "en-deep-sea")
        # Filters do not score: the same scores with and without one.
        with_filter = self.cluster.search("nvidia source:reuters", limit=10).hits
        without = {h.id: h.score for h in self.cluster.search("nvidia", limit=10).hits}
        self.assertEqual([h.id for h in with_filter], ["en-deepseek"])
        self.assertAlmostEqual(with_filter[0].score, without["en-deepseek"], places=9)

    def test_hostile_queries_are_invalid_with_a_position(self):
        for query, reason, position in HOSTILE:
            with self.subTest(query=query[:40]):
                with self.assertRaises(grpc.RpcError) as raised:
                    self.cluster.search(query)
                error = raised.exception
                self.assertEqual(error.code(), grpc.StatusCode.INVALID_ARGUMENT)
                violations = field_violations(error)
                self.assertEqual(violations[0][0], "query")
                self.assertIn(reason, violations[0][1])
                if position is not None:
                    self.assertIn(f"at position {position}", violations[0][1])
                else:
                    self.assertIn("at position", violations[0][1])

    def test_typed_filters_and_sort(self):
        filters = query_pb2.SearchFilters(sources=["bbc", "reuters"],
                                          published_after=ts("2025-01-01T00:00:00Z"),
                                          published_before=ts("2025-02-01T00:00:00Z"))
        response = self.cluster.search("", limit=10, filters=filters,
                                       sort=query_pb2.SORT_ORDER_DATE_DESC)
        # 2025-01-28T12 (bbc), 2025-01-28T09 (reuters), 2025-01-15 (bbc).
        self.assertEqual([h.id for h in response.hits],
                         ["en-america-bank", "en-deepseek", "en-bank"])
        self.assertEqual(response.total_hits_relation, query_pb2.TOTAL_HITS_RELATION_EXACT)
        response = self.cluster.search("nvidia", limit=10, sort=query_pb2.SORT_ORDER_DATE_ASC)
        self.assertEqual([h.id for h in response.hits], ["en-nodate", "fr-reveil", "en-deepseek"])
        tagged = self.cluster.search("", limit=10, filters=query_pb2.SearchFilters(
            tags=["topic=politics"], langs=["FR"]))
        self.assertEqual({h.id for h in tagged.hits}, {"fr-retraites", "fr-reformes"})
        with self.assertRaises(grpc.RpcError) as raised:
            self.cluster.search("", limit=10)
        self.assertEqual(raised.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)

    def test_token_is_tied_to_its_query(self):
        first = self.cluster.search("nvidia", limit=1)
        self.assertTrue(first.next_page_token)
        for fields in ({"query": "bank"}, {"query": "nvidia", "offset": 1},
                       {"query": "nvidia", "sort": query_pb2.SORT_ORDER_DATE_DESC}):
            with self.subTest(fields=fields):
                query = fields.pop("query")
                with self.assertRaises(grpc.RpcError) as raised:
                    self.cluster.search(query, limit=1, page_token=first.next_page_token, **fields)
                self.assertEqual(raised.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        with self.assertRaises(grpc.RpcError) as raised:
            self.cluster.search("nvidia", limit=1, page_token="garbage!")
        self.assertEqual(raised.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)


class CursorPagingTest(unittest.TestCase):
    def page_through(self, cluster, query, sort, limit, during=None):
        seen, token, pages = [], "", 0
        while True:
            response = cluster.search(query, limit=limit, sort=sort, page_token=token)
            seen += [h.id for h in response.hits]
            pages += 1
            if during is not None and pages == 2:
                during()
            if not response.next_page_token:
                return seen
            token = response.next_page_token

    def test_pages_stay_correct_while_ingesting(self):
        with Cluster(shards=2) as cluster:
            originals = [doc(f"old-{i:03d}", f"pagemarker title {i}",
                             " ".join(["pagemarker"] * (1 + i % 7)) + f" filler {i} " * (i % 5),
                             published_at=ts(f"2024-01-{1 + i % 28:02d}T00:00:00Z"))
                         for i in range(60)]
            cluster.ingest(originals)
            cluster.wait_for_hits("pagemarker", expected=60, limit=100)
            original_ids = {d.id for d in originals}
            for sort in (query_pb2.SORT_ORDER_RELEVANCE, query_pb2.SORT_ORDER_DATE_DESC,
                         query_pb2.SORT_ORDER_DATE_ASC):
                with self.subTest(sort=sort):
                    batch = [sort]

                    def add_more():
                        # New documents that rank everywhere (and change the
                        # statistics) land between pages 2 and 3.
                        new = [doc(f"new-{batch[0]}-{i:03d}", "pagemarker pagemarker",
                                   "pagemarker " * (1 + i % 9),
                                   published_at=ts(f"2024-01-{1 + (i * 3) % 28:02d}T12:00:00Z"))
                               for i in range(40)]
                        cluster.ingest(new)
                        cluster.wait_drained()
                    seen = self.page_through(cluster, "pagemarker", sort, 7, during=add_more)
                    self.assertEqual(len(seen), len(set(seen)), "a document came twice")
                    self.assertTrue(original_ids <= set(seen),
                                    f"skipped: {sorted(original_ids - set(seen))}")
            # Concurrent ingestion in a thread while paging, too.
            stop = threading.Event()

            def ingest_forever():
                i = 0
                while not stop.is_set():
                    cluster.ingest([doc(f"bg-{i:04d}", "pagemarker", "pagemarker bg")])
                    i += 1
            thread = threading.Thread(target=ingest_forever)
            thread.start()
            try:
                seen = self.page_through(cluster, "pagemarker", query_pb2.SORT_ORDER_RELEVANCE, 5)
            finally:
                stop.set()
                thread.join()
            self.assertEqual(len(seen), len(set(seen)))
            self.assertTrue(original_ids <= set(seen))


if __name__ == "__main__":
    unittest.main()
