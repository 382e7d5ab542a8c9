"""End to end through the real binaries: ingest, search, update, delete, get."""
import unittest

import grpc
from google.protobuf import timestamp_pb2

from cluster import Cluster, doc, ingest_pb2, query_pb2

SEED_ARTICLE = (
    "L'ancien président américain Donald Trump a décrit l'émergence de Deepseek, un nouveau "
    "modèle de renseignement artificiel chinois, comme un «réveil» pour l'industrie de la "
    "technologie américaine. Nvidia a connu une baisse historique de 16,86%.")


class EndToEndTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(shards=2)
        cls.cluster.start()

    @classmethod
    def tearDownClass(cls):
        codes = cls.cluster.close()
        # Every service shuts down cleanly on SIGTERM.
        for name, code in codes.items():
            assert code == 0, f"{name} exited with {code}"

    def test_ingest_then_search_finds_the_document(self):
        response = self.cluster.ingest([doc(
            "fr-1", "Trump appelle Deepseek un réveil pour la tech américaine", SEED_ARTICLE,
            source="seed", lang="fr", url="https://example.org/fr-1",
            published_at=timestamp_pb2.Timestamp(seconds=1737936000))])
        result = response.results[0]
        self.assertEqual(result.id, "fr-1")
        self.assertEqual(result.version, 1)
        self.assertEqual(result.outcome, ingest_pb2.INGEST_OUTCOME_CREATED)
        self.assertEqual(result.lang, "fr")

        hits = self.cluster.wait_for_hits("reveil deepseek", expected=1).hits
        self.assertEqual(hits[0].id, "fr-1")
        self.assertGreater(hits[0].score, 0)
        self.assertIn("<mark>", hits[0].snippet)
        self.assertEqual(hits[0].source, "seed")
        self.assertEqual(hits[0].published_at.seconds, 1737936000)
        self.assertEqual(hits[0].title, "Trump appelle Deepseek un réveil pour la tech américaine")
        # Accents and case do not matter; decimal commas meet points.
        self.assertEqual(self.cluster.search("RÉVEIL").total_hits, 1)
        self.assertEqual(self.cluster.search("16.86").total_hits, 1)

    def test_a_headline_alone_is_found_by_its_title(self):
        # A wire flash: a title, no body. Its language comes from the title.
        response = self.cluster.ingest(
            [doc("flash-1", "Tempête Ciarán : la Bretagne en alerte", "")])
        self.assertEqual(response.results[0].outcome, ingest_pb2.INGEST_OUTCOME_CREATED)
        self.assertEqual(response.results[0].lang, "fr")
        hits = self.cluster.wait_for_hits("tempete bretagne", expected=1).hits
        self.assertEqual(hits[0].id, "flash-1")
        self.assertEqual(hits[0].title, "Tempête Ciarán : la Bretagne en alerte")
        self.assertEqual(hits[0].snippet, "")
        self.assertIn("<mark>", hits[0].title_highlighted)

    def test_update_replaces_and_unchanged_is_a_no_op(self):
        self.cluster.ingest([doc("upd-1", "Zebra report", "The zebracorn appears in the valley.")])
        self.cluster.wait_for_hits("zebracorn", expected=1)
        again = self.cluster.ingest([doc("upd-1", "Zebra report",
                                         "The zebracorn appears in the valley.")])
        self.assertEqual(again.results[0].outcome, ingest_pb2.INGEST_OUTCOME_UNCHANGED)
        self.assertEqual(again.results[0].version, 1)

        updated = self.cluster.ingest([doc("upd-1", "Zebra report", "Now a quokkafish lives here.")])
        self.assertEqual(updated.results[0].outcome, ingest_pb2.INGEST_OUTCOME_UPDATED)
        self.assertEqual(updated.results[0].version, 2)
        self.cluster.wait_for_hits("quokkafish", expected=1)
        self.cluster.wait_for_hits("zebracorn", expected=0)
        got = self.cluster.ingest_stub.Get(ingest_pb2.GetRequest(id="upd-1"), timeout=5)
        self.assertEqual(got.document.body, "Now a quokkafish lives here.")
        self.assertEqual(got.document.version, 2)

    def test_delete_removes_from_search_and_get(self):
        self.cluster.ingest([doc("del-1", "Gone soon", "The platypoodle is a rare animal.")])
        self.cluster.wait_for_hits("platypoodle", expected=1)
        response = self.cluster.ingest_stub.Delete(
            ingest_pb2.DeleteRequest(ids=["del-1", "never-existed"]), timeout=5)
        self.assertEqual([(r.id, r.found) for r in response.results],
                         [("del-1", True), ("never-existed", False)])
        self.cluster.wait_for_hits("platypoodle", expected=0)
        with self.assertRaises(grpc.RpcError) as error:
            self.cluster.ingest_stub.Get(ingest_pb2.GetRequest(id="del-1"), timeout=5)
        self.assertEqual(error.exception.code(), grpc.StatusCode.NOT_FOUND)

    def test_ranking_counts_title_matches_and_required_terms(self):
        # Title weight is tuned on the relevance sets (0.5 of the body's): a
        # match in the title and the body beats a match in the body alone.
        self.cluster.ingest([
            doc("rank-title", "Glimmerwing migration", "The glimmerwing flies south in winter."),
            doc("rank-body", "Bird facts", "The glimmerwing is a bird. Birds fly south."),
            doc("rank-other", "Unrelated", "Nothing to see here about glimmers."),
        ])
        hits = self.cluster.wait_for_hits("glimmerwing", expected=2).hits
        self.assertEqual([h.id for h in hits], ["rank-title", "rank-body"])
        required = self.cluster.wait_for_hits("+glimmerwing +winter", expected=1).hits
        self.assertEqual(required[0].id, "rank-title")
        excluded = self.cluster.wait_for_hits("glimmerwing -winter", expected=1).hits
        self.assertEqual(excluded[0].id, "rank-body")

    def test_stream_ingest_and_limits_and_paging(self):
        def batches():
            for b in range(3):
                yield ingest_pb2.IngestRequest(documents=[
                    doc(f"stream-{b}-{i}", f"Streamed {b}", "common marmalade word")
                    for i in range(20)])
        response = self.cluster.ingest_stub.IngestStream(batches(), timeout=30)
        self.assertEqual(len(response.results), 60)
        first = self.cluster.wait_for_hits("marmalade", expected=60, limit=1000)
        self.assertEqual(len(first.hits), 60)
        page = self.cluster.search("marmalade", limit=10, offset=50)
        self.assertEqual([h.id for h in page.hits], [h.id for h in first.hits[50:60]])
        self.assertEqual(len(self.cluster.search("marmalade", limit=5).hits), 5)

    def test_status_and_cluster_info(self):
        self.cluster.ingest([doc("status-1", "Status", "status check document")])
        self.cluster.wait_drained()
        status = self.cluster.ingest_stub.Status(ingest_pb2.IngestStatusRequest(), timeout=5)
        self.assertEqual(status.shard_count, 2)
        self.assertEqual(len(status.shards), 2)
        self.assertGreaterEqual(status.document_count, 1)
        info = self.cluster.query_stub.ClusterInfo(query_pb2.ClusterInfoRequest(), timeout=5)
        self.assertEqual(info.shard_count, 2)
        self.assertTrue(all(shard.reachable for shard in info.shards))
        self.assertEqual(info.document_count, status.document_count)
        search = self.cluster.search("status")
        self.assertEqual(list(search.answered_shards), [0, 1])
        self.assertEqual(len(search.missing_shards), 0)


if __name__ == "__main__":
    unittest.main()
