"""A Python client using stubs generated from Loupe's protos (Debian's
python3-grpcio and protoc's Python output), as the README shows: it ingests a
small French and English batch, searches, reads rich error details."""
import unittest

import grpc

from cluster import Cluster, field_violations, status_details
from loupe.v1 import document_pb2, ingest_pb2, ingest_pb2_grpc, query_pb2, query_pb2_grpc


class PythonClientTest(unittest.TestCase):
    def test_readme_example(self):
        with Cluster(shards=2) as cluster:
            ingest = ingest_pb2_grpc.IngestServiceStub(
                grpc.insecure_channel(cluster.ingest_process.address))
            query = query_pb2_grpc.QueryServiceStub(
                grpc.insecure_channel(cluster.query_process.address))

            response = ingest.Ingest(ingest_pb2.IngestRequest(documents=[
                document_pb2.Document(id="py-fr", title="La Bourse chute",
                                      body="Les actions de Nvidia ont chuté de 16,86 %."),
                document_pb2.Document(id="py-en", title="Stocks fall",
                                      body="Nvidia shares fell by 16.86 percent."),
            ]), timeout=10)
            self.assertEqual([r.lang for r in response.results], ["fr", "en"])

            found = cluster.wait_until(
                lambda: (r := query.Search(query_pb2.SearchRequest(query="nvidia 16,86"),
                                           timeout=5)).total_hits == 2 and r,
                "both documents")
            self.assertEqual({hit.id for hit in found.hits}, {"py-fr", "py-en"})

            with self.assertRaises(grpc.RpcError) as caught:
                ingest.Ingest(ingest_pb2.IngestRequest(documents=[
                    document_pb2.Document(id="py-bad")]), timeout=10)
            self.assertEqual(caught.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
            self.assertEqual(status_details(caught.exception).code,
                             grpc.StatusCode.INVALID_ARGUMENT.value[0])
            self.assertEqual(field_violations(caught.exception)[0][0], "documents[0].body")


if __name__ == "__main__":
    unittest.main()
