"""Global statistics: the same corpus in 1 shard and in 3 shards gives the same
ranking and the same scores; a shard that is down gives a partial answer that
names it, within the deadline."""
import gzip
import json
import os
import time
import unittest

from cluster import Cluster, doc

SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "deploy", "local", "sample-corpus",
                      "news-sample.jsonl.gz")
QUERIES = ["milliards d'euros", "gouvernement", "président de la République", "philosophy",
           "war history", "city population", "title:anarchism", "+football -rugby",
           "music album", "santé hôpital"]


def sample_documents():
    with gzip.open(SAMPLE, "rt", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    return [doc(r["id"], r["title"], r["text"], source=r.get("source", ""),
                lang=r.get("lang", "")) for r in rows]


def ranked(cluster, query):
    response = cluster.search(query, limit=20)
    return response.total_hits, [(h.id, round(h.score, 9)) for h in response.hits]


class ShardCountInvarianceTest(unittest.TestCase):
    def test_one_and_three_shards_rank_identically(self):
        documents = sample_documents()
        results = {}
        for shards in (1, 3):
            with Cluster(shards=shards) as cluster:
                for start in range(0, len(documents), 200):
                    cluster.ingest(documents[start:start + 200])
                cluster.wait_drained()
                results[shards] = {q: ranked(cluster, q) for q in QUERIES}
        for query in QUERIES:
            with self.subTest(query=query):
                total_1, hits_1 = results[1][query]
                total_3, hits_3 = results[3][query]
                self.assertGreater(total_1, 0)
                self.assertEqual(total_1, total_3)
                self.assertEqual(hits_1, hits_3)


class MissingShardTest(unittest.TestCase):
    def test_partial_answer_names_the_missing_shard_within_the_deadline(self):
        with Cluster(shards=3) as cluster:
            cluster.ingest([doc(f"p-{i}", "partial", f"partialmarker {i}") for i in range(30)])
            cluster.wait_for_hits("partialmarker", expected=30, limit=100)
            cluster.index[2].kill9()
            started = time.monotonic()
            response = cluster.search("partialmarker", limit=100, timeout=10)
            elapsed = time.monotonic() - started
            self.assertEqual([m.shard for m in response.missing_shards], [2])
            self.assertTrue(response.missing_shards[0].error)
            self.assertEqual(list(response.answered_shards), [0, 1])
            self.assertLess(response.total_hits, 30)
            self.assertTrue(all(hit.shard != 2 for hit in response.hits))
            # The client's deadline bounds the wait (a functional check, not a benchmark).
            self.assertLess(elapsed, 10)


if __name__ == "__main__":
    unittest.main()
