"""Results through a real 3-shard cluster: facets (source, lang, tag, date
histogram by day / ISO week / month in UTC) compared with a count done by
hand over the whole matching set, near-duplicate folding across shards,
highlighted titles, and Explain (its components sum to the Search score)."""
import unittest

from google.protobuf import timestamp_pb2

from cluster import Cluster, doc
from loupe.v1 import query_pb2


def ts(text):
    stamp = timestamp_pb2.Timestamp()
    stamp.FromJsonString(text)
    return stamp


SYNDICATED = ("The harbour authority confirmed on Monday that the container terminal "
              "will reopen after the storm damaged three cranes and flooded the quay.")

CORPUS = [
    doc("h1", "Harbour lights & ships", "Night traffic in the harbour grows every year.",
        source="BBC", lang="en", published_at=ts("2025-01-27T08:00:00Z"), tags={"topic": "AI"}),
    doc("h2", "Robots at the docks", "A harbour in Rotterdam tests autonomous cranes.",
        source="bbc", lang="en", published_at=ts("2025-01-27T23:30:00Z"), tags={"topic": "ai"}),
    doc("h3", "Rowing race", "The rowing race started from the old harbour at dawn.",
        source="afp", lang="en", published_at=ts("2025-01-28T00:30:00Z"),
        tags={"topic": "sport"}),
    doc("h4", "Le port", "Le harbour de Marseille accueille un nouveau logiciel.",
        source="afp", lang="fr", published_at=ts("2025-02-02T12:00:00Z"), tags={"Topic": "ai"}),
    doc("h5", "Fishing quotas", "Fishermen in the harbour protest the new quotas.",
        source="reuters", lang="en", published_at=ts("2025-02-03T00:00:00Z")),
    doc("h6", "Élections municipales", "Le maire promet de rénover le harbour et la gare.",
        source="lemonde", lang="fr", published_at=ts("2025-03-15T09:00:00Z"),
        tags={"topic": "politics"}),
    doc("h7", "Débat au conseil", "Le conseil débat du harbour sans date de publication.",
        source="lemonde", lang="fr", tags={"topic": "politics"}),
    # Does not match "harbour": must not be counted anywhere.
    doc("n1", "Unrelated", "Nothing to see about boats here.", source="bbc", lang="en",
        published_at=ts("2025-01-27T10:00:00Z"), tags={"topic": "ai"}),
] + [
    # One syndicated story, four copies (one duplicate cluster), spread over
    # the shards by the hash of their own ids.
    doc(f"s{i}", "Harbour terminal reopens", SYNDICATED, source=source, lang="en",
        published_at=ts("2025-02-10T15:00:00Z"), tags={"topic": "shipping"})
    for i, source in enumerate(["afp", "reuters", "bbc", "afp"], start=1)
]

MATCHING = 11  # h1..h7 and s1..s4


def facet(field, size=0, interval=query_pb2.FACET_INTERVAL_UNSPECIFIED):
    return query_pb2.FacetRequest(field=field, size=size, interval=interval)


def values(result):
    return [(v.value, v.count) for v in result.values]


class ResultsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(shards=3)
        cls.cluster.start()
        cls.cluster.ingest(CORPUS)
        cls.cluster.wait_for_hits("harbour", expected=MATCHING)

    @classmethod
    def tearDownClass(cls):
        cls.cluster.close()

    def test_facets_match_a_hand_count_over_the_whole_result_set(self):
        response = self.cluster.search("harbour", limit=1, facets=[
            facet("source"), facet("lang"), facet("tag:topic"), facet("tag:topic", size=2),
            facet("date", interval=query_pb2.FACET_INTERVAL_DAY),
            facet("date", interval=query_pb2.FACET_INTERVAL_WEEK),
            facet("date", interval=query_pb2.FACET_INTERVAL_MONTH)])
        self.assertEqual(response.total_hits, MATCHING)
        self.assertEqual(len(response.hits), 1)
        source, lang, topic, topic2, day, week, month = response.facets
        self.assertEqual(source.field, "source")
        # Counted by hand from CORPUS (values lower-cased like the filters).
        self.assertEqual(values(source), [("afp", 4), ("bbc", 3), ("lemonde", 2), ("reuters", 2)])
        self.assertEqual(values(lang), [("en", 8), ("fr", 3)])
        self.assertEqual(values(topic),
                         [("shipping", 4), ("ai", 3), ("politics", 2), ("sport", 1)])
        self.assertEqual(values(topic2), [("shipping", 4), ("ai", 3)])
        self.assertEqual(topic2.other_count, 3)
        # UTC days: 23:30Z on the 27th stays on the 27th; h7 has no date.
        self.assertEqual(values(day), [("2025-01-27", 2), ("2025-01-28", 1), ("2025-02-02", 1),
                                       ("2025-02-03", 1), ("2025-02-10", 4), ("2025-03-15", 1)])
        # ISO weeks start on Monday: Sunday 2025-02-02 is in the week of the 27th.
        self.assertEqual(values(week), [("2025-01-27", 4), ("2025-02-03", 1), ("2025-02-10", 4),
                                        ("2025-03-10", 1)])
        self.assertEqual(values(month), [("2025-01-01", 3), ("2025-02-01", 6), ("2025-03-01", 1)])
        for result in response.facets:
            self.assertFalse(result.truncated)

    def test_facets_respect_filters(self):
        response = self.cluster.search("harbour", limit=1, filters=query_pb2.SearchFilters(
            langs=["fr"]), facets=[facet("source")])
        self.assertEqual(response.total_hits, 3)
        self.assertEqual(values(response.facets[0]), [("lemonde", 2), ("afp", 1)])

    def test_bad_facet_is_invalid_argument_naming_the_field(self):
        import grpc
        from cluster import field_violations
        with self.assertRaises(grpc.RpcError) as raised:
            self.cluster.search("harbour", facets=[facet("date")])
        self.assertEqual(raised.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("facets[0].interval", [f for f, _ in field_violations(raised.exception)])

    def test_near_duplicates_fold_across_shards(self):
        plain = self.cluster.search("harbour", limit=20)
        copies = {h.id: h.shard for h in plain.hits if h.id.startswith("s")}
        self.assertEqual(len(copies), 4)
        self.assertGreater(len(set(copies.values())), 1, "copies should span shards")

        folded = self.cluster.search("harbour", limit=20, fold_duplicates=True)
        self.assertEqual(folded.total_hits, MATCHING)  # documents, not clusters
        ids = [h.id for h in folded.hits]
        self.assertEqual(len(ids), 8)
        kept = [h for h in folded.hits if h.id.startswith("s")]
        self.assertEqual(len(kept), 1)
        self.assertEqual(kept[0].folded_count, 3)
        # The best-ranked copy is kept, at the rank of the best copy.
        best_copy = next(h for h in plain.hits if h.id.startswith("s"))
        self.assertEqual(kept[0].id, best_copy.id)
        self.assertEqual(kept[0].score, best_copy.score)
        for hit in folded.hits:
            if not hit.id.startswith("s"):
                self.assertEqual(hit.folded_count, 0)
        # Offset paging counts clusters.
        pages = []
        for offset in range(0, 8, 3):
            page = self.cluster.search("harbour", limit=3, offset=offset, fold_duplicates=True)
            pages += [h.id for h in page.hits]
        self.assertEqual(pages, ids)

    def test_cached_term_statistics_follow_new_documents(self):
        # loupe-query keeps the shards' term statistics; a batch that changes
        # them makes the shards answer "stale", and the search reads them
        # again. Explain never uses the cache, so its score is the fresh one.
        def explained(doc_id):
            return self.cluster.query_stub.Explain(
                query_pb2.ExplainRequest(query="lighthouse", id=doc_id), timeout=10).score

        self.cluster.ingest([doc("lh1", "Lighthouse keeper", "The lighthouse keeper retired.")])
        self.cluster.wait_for_hits("lighthouse", expected=1)
        first = self.cluster.search("lighthouse").hits[0].score
        self.assertEqual(self.cluster.search("lighthouse").hits[0].score, first)
        self.assertEqual(explained("lh1"), first)
        self.cluster.ingest([doc(f"lh{i}", "Lighthouse", "A lighthouse on the coast.")
                             for i in range(2, 6)])
        self.cluster.wait_for_hits("lighthouse", expected=5)
        after = {hit.id: hit.score for hit in self.cluster.search("lighthouse").hits}
        self.assertLess(after["lh1"], first)  # df 1 -> 5: the idf fell
        self.assertEqual(after["lh1"], explained("lh1"))

    def test_explain_sums_to_the_search_score(self):
        for query in ["harbour", "harbour terminal^2", '"container terminal" harbour',
                      "title:harbour OR rowing", "harb* +quay"]:
            response = self.cluster.search(query, limit=20)
            self.assertTrue(response.hits, query)
            for hit in response.hits:
                with self.subTest(query=query, id=hit.id):
                    explained = self.cluster.query_stub.Explain(
                        query_pb2.ExplainRequest(query=query, id=hit.id), timeout=10)
                    self.assertTrue(explained.matches)
                    self.assertEqual(explained.shard, hit.shard)
                    self.assertEqual(explained.score, hit.score)
                    self.assertTrue(explained.components)
                    total = sum(c.score for c in explained.components)
                    self.assertAlmostEqual(total, hit.score, delta=1e-9 * hit.score)
                    for c in explained.components:
                        self.assertIn(c.field, ("title", "body"))
                        self.assertGreater(c.tf, 0)
                        self.assertGreater(c.field_length, 0)
                        self.assertGreater(c.average_length, 0)
                        self.assertGreater(c.weight, 0)
        # A phrase component says so; a term component has its df.
        explained = self.cluster.query_stub.Explain(query_pb2.ExplainRequest(
            query='"container terminal" harbour', id="s1"), timeout=10)
        terms = [c.terms for c in explained.components]
        self.assertTrue(any(t.startswith('"') for t in terms), terms)
        self.assertTrue(all(c.df > 0 for c in explained.components
                            if not c.terms.startswith('"')))

    def test_explain_of_a_document_that_does_not_match_or_does_not_exist(self):
        import grpc
        explained = self.cluster.query_stub.Explain(
            query_pb2.ExplainRequest(query="harbour", id="n1"), timeout=10)
        self.assertFalse(explained.matches)
        self.assertEqual(explained.score, 0)
        self.assertFalse(explained.components)
        with self.assertRaises(grpc.RpcError) as raised:
            self.cluster.query_stub.Explain(
                query_pb2.ExplainRequest(query="harbour", id="missing"), timeout=10)
        self.assertEqual(raised.exception.code(), grpc.StatusCode.NOT_FOUND)
        with self.assertRaises(grpc.RpcError) as raised:
            self.cluster.query_stub.Explain(query_pb2.ExplainRequest(query="", id="h1"), timeout=10)
        self.assertEqual(raised.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)

    def test_title_is_highlighted_and_escaped(self):
        response = self.cluster.search("harbour", limit=20)
        titles = {h.id: h.title_highlighted for h in response.hits}
        self.assertEqual(titles["h1"], "<mark>Harbour</mark> lights &amp; ships")
        self.assertEqual(titles["h2"], "Robots at the docks")
        scoped = self.cluster.search("body:harbour", limit=20)
        self.assertEqual({h.id: h.title_highlighted for h in scoped.hits}["h1"],
                         "Harbour lights &amp; ships")


if __name__ == "__main__":
    unittest.main()
