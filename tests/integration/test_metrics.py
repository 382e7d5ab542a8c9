"""Prometheus metrics: every service serves /metrics, and the figures move
with the work done (RPC counts and latencies, backlog, documents, RocksDB)."""
import unittest

from cluster import Cluster, doc, ingest_pb2


class MetricsTest(unittest.TestCase):
    def test_metrics_move_with_traffic(self):
        with Cluster(shards=2) as cluster:
            search_ok = 'loupe_rpc_total{method="/loupe.v1.QueryService/Search",code="OK"}'
            ingest_ok = 'loupe_rpc_total{method="/loupe.v1.IngestService/Ingest",code="OK"}'
            invalid = 'loupe_rpc_total{method="/loupe.v1.IngestService/Ingest",code="INVALID_ARGUMENT"}'
            before = cluster.query_process.metrics()
            self.assertNotIn(search_ok, before)

            cluster.ingest([doc(f"m-{i}", "Metrics", f"metricsmarker number {i}") for i in range(20)])
            cluster.wait_for_hits("metricsmarker", expected=20, limit=100)
            cluster.wait_drained()
            with self.assertRaises(Exception):
                cluster.ingest([doc("bad", "", "")])  # neither a body nor a title

            ingest = cluster.ingest_process.metrics()
            self.assertEqual(ingest[ingest_ok], 1)
            self.assertEqual(ingest[invalid], 1)
            self.assertEqual(ingest["loupe_ingest_documents"], 20)
            self.assertEqual(ingest['loupe_ingest_backlog{shard="0"}'], 0)
            self.assertIn('loupe_ingest_oldest_unshipped_age_seconds{shard="1"}', ingest)
            self.assertGreater(ingest["process_resident_memory_bytes"], 1 << 20)
            self.assertGreater(ingest['loupe_data_dir_bytes{db="ingest"}'], 0)

            query = cluster.query_process.metrics()
            self.assertGreaterEqual(query[search_ok], 1)
            self.assertEqual(
                query['loupe_rpc_duration_seconds_count{method="/loupe.v1.QueryService/Search"}'],
                query[search_ok])

            documents = 0
            for shard, process in enumerate(cluster.index):
                metrics = process.metrics()
                documents += metrics["loupe_index_documents"]
                self.assertGreater(metrics["loupe_index_applied_sequence"], 0)
                self.assertGreaterEqual(
                    metrics['loupe_rpc_total{method="/loupe.v1.IndexService/Apply",code="OK"}'], 1)
                self.assertIn(f'rocksdb_estimated_keys{{db="index-{shard}",family="postings"}}',
                              metrics)
            self.assertEqual(documents, 20)

            cluster.search("metricsmarker")
            self.assertEqual(cluster.query_process.metrics()[search_ok], query[search_ok] + 1)
            # The searches keep the term records they read (20 small documents
            # seal no posting block, so no list is kept).
            cached = [process.metrics() for process in cluster.index]
            self.assertGreater(
                sum(m['loupe_index_search_cache_bytes{cache="term_records"}'] for m in cached), 0)
            for metrics in cached:
                self.assertEqual(metrics['loupe_index_search_cache_bytes{cache="posting_lists"}'], 0)
            status = cluster.ingest_stub.Status(ingest_pb2.IngestStatusRequest(), timeout=5)
            self.assertEqual(status.document_count, 20)
            # 300 more give each shard a sealed block of "cachemarker" (128
            # postings), which the next search walks and keeps.
            cluster.ingest([doc(f"c-{i}", "Cache", f"cachemarker number {i}") for i in range(300)])
            cluster.wait_for_hits("cachemarker", expected=300, limit=10)
            cluster.wait_drained()
            cluster.search("cachemarker")
            self.assertGreater(
                sum(process.metrics()['loupe_index_search_cache_bytes{cache="posting_lists"}']
                    for process in cluster.index), 0)


if __name__ == "__main__":
    unittest.main()
