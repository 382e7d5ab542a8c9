"""Crash tests: SIGKILL right after acknowledgements, and mid bulk load.

After restart every acknowledged document is searchable exactly once, and
nothing else is.
"""
import threading
import unittest

import grpc

from cluster import Cluster, doc, ingest_pb2


def numbered_docs(prefix, start, count, marker):
    return [doc(f"{prefix}-{i}", f"{marker} {prefix} {i}", f"{marker} body uniq{prefix}{i}x")
            for i in range(start, start + count)]


class IngestCrashTest(unittest.TestCase):
    def test_kill9_of_ingest_right_after_acks_loses_nothing(self):
        with Cluster(shards=2) as cluster:
            acknowledged = 0
            for batch in range(10):
                response = cluster.ingest(numbered_docs("ing", batch * 50, 50, "ackedmarker"))
                acknowledged += len(response.results)
            # No pause: the outbox has not been shipped yet for most of these.
            cluster.ingest_process.kill9()
            cluster.restart(cluster.ingest_process)
            cluster.connect()
            response = cluster.wait_for_hits("ackedmarker", expected=acknowledged, limit=1000)
            self.assertEqual(len({hit.id for hit in response.hits}), acknowledged)
            for i in (0, 77, 499):
                self.assertEqual(cluster.search(f"uniqing{i}x").total_hits, 1)
            status = cluster.ingest_stub.Status(ingest_pb2.IngestStatusRequest(), timeout=5)
            self.assertEqual(status.document_count, acknowledged)
            cluster.wait_drained()


class IndexCrashTest(unittest.TestCase):
    def test_kill9_of_a_shard_mid_bulk_load(self):
        with Cluster(shards=2) as cluster:
            acknowledged = []
            errors = []
            halfway = threading.Event()

            def load():
                try:
                    for batch in range(40):
                        docs = numbered_docs("bulk", batch * 25, 25, "bulkmarker")
                        response = cluster.ingest(docs)
                        acknowledged.extend(r.id for r in response.results)
                        if batch == 10:
                            halfway.set()
                except grpc.RpcError as error:  # pragma: no cover - reported below
                    errors.append(error)
                    halfway.set()

            loader = threading.Thread(target=load)
            loader.start()
            halfway.wait(timeout=120)
            cluster.index[0].kill9()      # while the loader keeps writing
            loader.join(timeout=300)
            self.assertFalse(errors, f"ingest must keep acknowledging while a shard is down: "
                                     f"{errors}")
            self.assertEqual(len(acknowledged), 1000)

            # While shard 0 is down, search answers partially and names it.
            partial = cluster.search("bulkmarker", limit=10)
            self.assertEqual([m.shard for m in partial.missing_shards], [0])

            cluster.restart(cluster.index[0])
            response = cluster.wait_for_hits("bulkmarker", expected=1000, limit=1000)
            self.assertEqual(sorted(hit.id for hit in response.hits), sorted(acknowledged))
            cluster.wait_drained()

    def test_kill9_of_a_shard_then_updates_and_deletes_converge(self):
        with Cluster(shards=2) as cluster:
            cluster.ingest(numbered_docs("conv", 0, 40, "convmarker"))
            cluster.wait_for_hits("convmarker", expected=40, limit=100)
            for shard in cluster.index:
                shard.kill9()
            cluster.ingest_stub.Delete(
                ingest_pb2.DeleteRequest(ids=[f"conv-{i}" for i in range(10)]), timeout=10)
            cluster.ingest([doc(f"conv-{i}", "changed", "rewritten convnewmarker")
                            for i in range(10, 20)])
            for shard in cluster.index:
                cluster.restart(shard)
            cluster.wait_for_hits("convmarker", expected=20, limit=100)
            cluster.wait_for_hits("convnewmarker", expected=10, limit=100)


if __name__ == "__main__":
    unittest.main()
