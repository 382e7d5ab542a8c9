"""Does what grpcurl does, against every service: list services through server
reflection, fetch the file descriptors, build request messages from JSON with
them alone (no compiled stubs), and call the methods, health included."""
import json
import os
import unittest

import grpc
from google.protobuf import descriptor_pool, json_format, message_factory

from cluster import GEN_PY, Cluster, doc  # noqa: F401  (GEN_PY sets sys.path)
from grpc.reflection.v1alpha import reflection_pb2, reflection_pb2_grpc


class Reflector:
    """A grpcurl-like client built only from what the server describes."""

    def __init__(self, address):
        self.channel = grpc.insecure_channel(address)
        self.stub = reflection_pb2_grpc.ServerReflectionStub(self.channel)
        self.pool = descriptor_pool.DescriptorPool()
        self.added = set()

    def close(self):
        self.channel.close()

    def ask(self, **request):
        responses = list(self.stub.ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(**request)]), timeout=10))
        assert len(responses) == 1
        response = responses[0]
        if response.HasField("error_response"):
            raise LookupError(response.error_response.error_message)
        return response

    def list_services(self):
        response = self.ask(list_services="")
        return {service.name for service in response.list_services_response.service}

    def load_symbol(self, symbol):
        """Adds the file defining `symbol` and its dependencies to the pool."""
        from google.protobuf import descriptor_pb2
        response = self.ask(file_containing_symbol=symbol)
        files = []
        for raw in response.file_descriptor_response.file_descriptor_proto:
            proto = descriptor_pb2.FileDescriptorProto()
            proto.ParseFromString(raw)
            files.append(proto)
        pending = [f for f in files if f.name not in self.added]
        while pending:  # add in dependency order
            progress = False
            for proto in list(pending):
                if all(dep in self.added for dep in proto.dependency):
                    self.pool.Add(proto)
                    self.added.add(proto.name)
                    pending.remove(proto)
                    progress = True
            if not progress:
                for proto in pending:  # dependencies the server did not resend
                    for dep in proto.dependency:
                        if dep not in self.added:
                            self.load_file(dep)
        return self.pool.FindServiceByName(symbol)

    def load_file(self, name):
        from google.protobuf import descriptor_pb2
        response = self.ask(file_by_filename=name)
        for raw in response.file_descriptor_response.file_descriptor_proto:
            proto = descriptor_pb2.FileDescriptorProto()
            proto.ParseFromString(raw)
            if proto.name not in self.added and all(d in self.added for d in proto.dependency):
                self.pool.Add(proto)
                self.added.add(proto.name)

    def call(self, service_name, method_name, request_json, timeout=10):
        service = self.load_symbol(service_name)
        method = service.methods_by_name[method_name]
        factory = message_factory.MessageFactory(self.pool)
        request_class = factory.GetPrototype(method.input_type)
        response_class = factory.GetPrototype(method.output_type)
        request = json_format.Parse(request_json, request_class())
        rpc = self.channel.unary_unary(f"/{service_name}/{method_name}",
                                       request_serializer=lambda m: m.SerializeToString(),
                                       response_deserializer=response_class.FromString)
        return json.loads(json_format.MessageToJson(rpc(request, timeout=timeout)))


class ReflectionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(shards=2)
        cls.cluster.start()

    @classmethod
    def tearDownClass(cls):
        cls.cluster.close()

    def services(self):
        return [("loupe.v1.IngestService", self.cluster.ingest_process.address),
                ("loupe.v1.QueryService", self.cluster.query_process.address),
                ("loupe.v1.IndexService", self.cluster.index[0].address)]

    def test_list_and_describe_every_service_and_health(self):
        for service, address in self.services():
            with self.subTest(service=service):
                reflector = Reflector(address)
                listed = reflector.list_services()
                self.assertIn(service, listed)
                self.assertIn("grpc.health.v1.Health", listed)
                self.assertIn("grpc.reflection.v1alpha.ServerReflection", listed)
                # describe: the service and the health service (grpc/grpc#36665).
                self.assertTrue(reflector.load_symbol(service).methods_by_name)
                health = reflector.load_symbol("grpc.health.v1.Health")
                self.assertIn("Check", health.methods_by_name)
                checked = reflector.call("grpc.health.v1.Health", "Check", "{}")
                self.assertEqual(checked["status"], "SERVING")
                reflector.close()

    def test_calls_built_from_json_on_every_service(self):
        ingest = Reflector(self.cluster.ingest_process.address)
        result = ingest.call("loupe.v1.IngestService", "Ingest", json.dumps({
            "documents": [{"id": "refl-1", "title": "Réflexion",
                           "body": "Un article découvert par réflexion gRPC.",
                           "publishedAt": "2025-01-27T08:00:00Z", "tags": {"desk": "tech"}}]}))
        self.assertEqual(result["results"][0]["id"], "refl-1")
        got = ingest.call("loupe.v1.IngestService", "Get", '{"id": "refl-1"}')
        self.assertEqual(got["document"]["tags"], {"desk": "tech"})
        ingest.close()

        self.cluster.wait_for_hits("reflexion", expected=1)
        query = Reflector(self.cluster.query_process.address)
        found = query.call("loupe.v1.QueryService", "Search",
                           '{"query": "découvert réflexion", "limit": 5}')
        self.assertEqual(found["hits"][0]["id"], "refl-1")
        self.assertEqual(found["totalHits"], "1")
        query.close()

        shard_request = json.dumps({
            "plan": {"clauses": [{"term": "reflexion"}]}, "limit": 5,
            "globalStats": {"documentCount": "1",
                            "fields": [{"field": "FIELD_TITLE", "totalTokens": "1"},
                                       {"field": "FIELD_BODY", "totalTokens": "6"}]},
            "statTerms": [{"field": "FIELD_TITLE", "term": "reflexion"},
                          {"field": "FIELD_BODY", "term": "reflexion"}],
            "statDocumentFrequencies": ["1", "1"]})
        hits_per_shard = []
        for shard in self.cluster.index:
            index = Reflector(shard.address)
            info = index.call("loupe.v1.IndexService", "Info", "{}")
            self.assertEqual(info["shardCount"], 2)
            hits_per_shard.append(index.call("loupe.v1.IndexService", "Search",
                                             shard_request).get("hits", []))
            index.close()
        # Exactly one shard owns the document.
        self.assertEqual(sorted(len(hits) for hits in hits_per_shard), [0, 1])


if __name__ == "__main__":
    unittest.main()
