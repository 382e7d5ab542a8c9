"""Bad input gets the right gRPC status, names the field, and loses nothing."""
import os
import subprocess
import tempfile
import unittest

import grpc

from cluster import BIN, Cluster, doc, field_violations, free_port, index_pb2, index_pb2_grpc
from cluster import ingest_pb2, query_pb2


def raw_ingest_request(doc_id, body_bytes):
    """An IngestRequest serialised by hand: Python's protobuf refuses to build
    one with invalid UTF-8, but a client in another language can send it."""
    def length_delimited(field_number, payload):
        key = bytes([(field_number << 3) | 2])
        size, out = len(payload), b""
        while size >= 0x80:
            out += bytes([(size & 0x7F) | 0x80])
            size >>= 7
        return key + out + bytes([size]) + payload
    document = length_delimited(1, doc_id.encode()) + length_delimited(4, body_bytes)
    return length_delimited(1, document)


class BadInputTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(shards=2)
        cls.cluster.start()
        # Acknowledged before any bad input; must survive all of it.
        cls.cluster.ingest([doc("keep-1", "Kept", "The keepsake lighthouse stands."),
                            doc("keep-2", "Kept too", "Another keepsake in the harbour.")])

    @classmethod
    def tearDownClass(cls):
        cls.cluster.close()

    def assert_invalid(self, call, field_fragment):
        with self.assertRaises(grpc.RpcError) as caught:
            call()
        error = caught.exception
        self.assertEqual(error.code(), grpc.StatusCode.INVALID_ARGUMENT, error.details())
        self.assertIn(field_fragment, error.details())
        return error

    def tearDown(self):
        # Nothing acknowledged is lost, whatever the test sent.
        self.cluster.wait_for_hits("keepsake", expected=2)

    def test_invalid_utf8_body(self):
        call = self.cluster.ingest_channel.unary_unary(
            "/loupe.v1.IngestService/Ingest", request_serializer=lambda raw: raw,
            response_deserializer=ingest_pb2.IngestResponse.FromString)
        error = self.assert_invalid(
            lambda: call(raw_ingest_request("utf8-bad", b"caf\xc3 \xff\xfe"), timeout=10),
            "documents[0].body")
        self.assertIn("UTF-8", error.details())
        # The google.rpc.BadRequest detail names the field too.
        self.assertIn("documents[0].body", [f for f, _ in field_violations(error)])

    def test_missing_text_and_batch_is_all_or_nothing(self):
        # Neither a body nor a title (a title alone is a headline, accepted).
        error = self.assert_invalid(lambda: self.cluster.ingest([
            doc("batch-ok", "Fine", "A fine atomicmarker document."),
            doc("batch-bad", " ", "")]), "documents[1].body")
        self.assertEqual(field_violations(error)[0][0], "documents[1].body")
        with self.assertRaises(grpc.RpcError) as caught:
            self.cluster.ingest_stub.Get(ingest_pb2.GetRequest(id="batch-ok"), timeout=5)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.NOT_FOUND)
        self.assertEqual(self.cluster.search("atomicmarker").total_hits, 0)

    def test_oversize_document(self):
        self.assert_invalid(
            lambda: self.cluster.ingest([doc("big", "Big", "x" * (1024 * 1024 + 1))]),
            "documents[0].body")

    def test_oversize_batch(self):
        documents = [doc(f"many-{i}", "t", "b") for i in range(1001)]
        self.assert_invalid(lambda: self.cluster.ingest(documents), "documents")

    def test_every_violation_is_reported(self):
        error = self.assert_invalid(lambda: self.cluster.ingest([
            doc("bad id with spaces", "t", "body"), doc("ok-id", "", "")]), "documents")
        fields = [f for f, _ in field_violations(error)]
        self.assertIn("documents[0].id", fields)
        self.assertIn("documents[1].body", fields)

    def test_malformed_queries(self):
        for query, fragment in [('"unbalanced quote', "position"),
                                ("nosuchfield:word", "nosuchfield"),
                                ("", "query"),
                                ("-only -excluded", "searchable"),
                                ("x" * 5000, "query")]:
            with self.subTest(query=query[:30]):
                self.assert_invalid(lambda: self.cluster.search(query), fragment)
        self.assert_invalid(lambda: self.cluster.search("word", limit=100000), "limit")

    def test_apply_with_wrong_shard_count_is_refused(self):
        channel = grpc.insecure_channel(self.cluster.index[0].address)
        stub = index_pb2_grpc.IndexServiceStub(channel)
        with self.assertRaises(grpc.RpcError) as caught:
            stub.Apply(index_pb2.ApplyRequest(shard_id=0, shard_count=5), timeout=5)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.FAILED_PRECONDITION)
        channel.close()


class UnknownShardCountTest(unittest.TestCase):
    """A data folder remembers its cluster's shard count; another N refuses to start."""

    def run_binary(self, args):
        return subprocess.run(args, capture_output=True, text=True, timeout=60)

    def test_every_service_refuses_another_shard_count(self):
        with tempfile.TemporaryDirectory(prefix="loupe-shards-") as root:
            for name, extra in [("loupe-index", ["--shard_id=0"]),
                                ("loupe-ingest", []), ("loupe-query", [])]:
                with self.subTest(service=name):
                    data = os.path.join(root, name)
                    port = free_port()
                    args = [os.path.join(BIN, name), f"--data_dir={data}",
                            f"--listen=127.0.0.1:{port}"] + extra
                    first = subprocess.Popen(args + ["--shard_count=2"],
                                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    from cluster import wait_serving
                    wait_serving(f"127.0.0.1:{port}")
                    first.terminate()
                    self.assertEqual(first.wait(timeout=20), 0)
                    second = self.run_binary(args + ["--shard_count=3"])
                    self.assertNotEqual(second.returncode, 0)
                    self.assertIn("shard", second.stderr.lower())

    def test_a_taken_port_is_refused(self):
        """gRPC would share a port between two processes (SO_REUSEPORT); a
        second service on a taken port must fail instead of splitting its
        traffic with the first."""
        from cluster import wait_serving
        with tempfile.TemporaryDirectory(prefix="loupe-port-") as root:
            port = free_port()
            listen = f"--listen=127.0.0.1:{port}"
            first = subprocess.Popen(
                [os.path.join(BIN, "loupe-index"), "--shard_id=0", "--shard_count=1",
                 f"--data_dir={root}/first", listen, "--metrics_listen=off"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_serving(f"127.0.0.1:{port}")
                for name, extra in [("loupe-index", ["--shard_id=0"]),
                                    ("loupe-query", [f"--index_addresses=127.0.0.1:{port}"])]:
                    with self.subTest(service=name):
                        second = self.run_binary(
                            [os.path.join(BIN, name), "--shard_count=1",
                             f"--data_dir={root}/second-{name}", listen,
                             "--metrics_listen=off"] + extra)
                        self.assertNotEqual(second.returncode, 0)
                        self.assertIn("port in use", second.stderr)
            finally:
                first.terminate()
                self.assertEqual(first.wait(timeout=20), 0)

    def test_missing_shard_count_is_refused(self):
        with tempfile.TemporaryDirectory(prefix="loupe-shards-") as root:
            result = self.run_binary([os.path.join(BIN, "loupe-index"), f"--data_dir={root}",
                                      f"--listen=127.0.0.1:{free_port()}"])
            self.assertNotEqual(result.returncode, 0)
            self.assertIn("shard_count", result.stderr)


if __name__ == "__main__":
    unittest.main()
