"""TLS, mutual TLS, API keys and input limits, against real processes.

The test makes its own CA and certificates with openssl (SAN IP:127.0.0.1),
its API keys with loupe-keys, and starts a cluster where every port speaks
TLS, the index shards require client certificates (mutual TLS, which ingest
and query present on their internal calls), and ingest and query require API
keys. A second, plaintext cluster with small limits checks every input-limit
flag.
"""
import glob
import os
import shutil
import subprocess
import tempfile
import unittest

import grpc

from cluster import BIN, Cluster, doc, field_violations, free_port, wait_serving  # noqa: F401
from grpc.health.v1 import health_pb2, health_pb2_grpc
from grpc.reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from loupe.v1 import ingest_pb2, ingest_pb2_grpc, query_pb2, query_pb2_grpc


def run(*args, **kwargs):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)


def make_pki(folder):
    """CA, server and client certificates (EC P-256), plus a rogue CA's client cert."""
    def path(name):
        return os.path.join(folder, name)

    def key(name):
        run("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-out", path(name))

    def ca(name):
        key(f"{name}.key")
        run("openssl", "req", "-x509", "-new", "-key", path(f"{name}.key"), "-days", "2",
            "-subj", f"/CN={name}", "-out", path(f"{name}.pem"))

    def leaf(name, ca_name, extensions):
        key(f"{name}.key")
        run("openssl", "req", "-new", "-key", path(f"{name}.key"), "-subj", f"/CN={name}",
            "-out", path(f"{name}.csr"))
        with open(path(f"{name}.ext"), "w") as f:
            f.write(extensions)
        run("openssl", "x509", "-req", "-in", path(f"{name}.csr"), "-CA", path(f"{ca_name}.pem"),
            "-CAkey", path(f"{ca_name}.key"), "-CAcreateserial", "-days", "2",
            "-extfile", path(f"{name}.ext"), "-out", path(f"{name}.pem"))

    ca("ca")
    ca("rogue-ca")
    # One certificate per service role would do as well; the services present
    # theirs as client certificates on internal calls, hence both usages.
    leaf("server", "ca", "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                         "extendedKeyUsage=serverAuth,clientAuth\n")
    leaf("client", "ca", "extendedKeyUsage=clientAuth\n")
    leaf("rogue", "rogue-ca", "extendedKeyUsage=clientAuth\n")


def read(path):
    with open(path, "rb") as f:
        return f.read()


class SecureCluster(unittest.TestCase):
    """TLS everywhere, mutual TLS to the index, API keys on ingest and query."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="loupe-security-")
        make_pki(cls.dir)
        cls.ca = read(f"{cls.dir}/ca.pem")
        cls.keys = {}
        lines = ["# role sha256 name"]
        for role, name in [("read", "dashboard"), ("write", "loader"), ("admin", "ops")]:
            key = run(os.path.join(BIN, "loupe-keys"), "generate").stdout.strip()
            lines.append(run(os.path.join(BIN, "loupe-keys"), "hash", role, name,
                             input=key + "\n").stdout.strip())
            cls.keys[role] = key
        with open(f"{cls.dir}/api-keys.txt", "w") as f:
            f.write("\n".join(lines) + "\n")
        tls = [f"--tls_cert={cls.dir}/server.pem", f"--tls_key={cls.dir}/server.key",
               f"--tls_ca={cls.dir}/ca.pem"]
        public = tls + ["--internal_tls", f"--api_keys_file={cls.dir}/api-keys.txt",
                        "--log_rpcs=all"]
        cls.health_port = free_port()
        cls.cluster = Cluster(
            shards=2,
            extra_index_args=tls + ["--tls_client_auth=require", "--log_rpcs=all"],
            extra_ingest_args=public,
            extra_query_args=public + [f"--health_listen=127.0.0.1:{cls.health_port}"],
            # A client certificate too: the harness also health-checks the index.
            credentials=grpc.ssl_channel_credentials(
                root_certificates=cls.ca, private_key=read(f"{cls.dir}/client.key"),
                certificate_chain=read(f"{cls.dir}/client.pem")),
            api_key=cls.keys["write"])
        cls.cluster.start()

    @classmethod
    def tearDownClass(cls):
        cls.cluster.close()
        if os.environ.get("LOUPE_KEEP_TEST_DATA") != "1":
            shutil.rmtree(cls.dir, ignore_errors=True)

    # -- helpers -----------------------------------------------------------

    def client_credentials(self, cert=None):
        if cert is None:
            return grpc.ssl_channel_credentials(root_certificates=self.ca)
        return grpc.ssl_channel_credentials(
            root_certificates=self.ca, private_key=read(f"{self.dir}/{cert}.key"),
            certificate_chain=read(f"{self.dir}/{cert}.pem"))

    def health(self, channel):
        return health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(),
                                                         timeout=5).status

    def assert_code(self, code, call):
        with self.assertRaises(grpc.RpcError) as caught:
            call()
        self.assertEqual(caught.exception.code(), code, caught.exception.details())
        return caught.exception

    def query_stub(self, api_key=None):
        channel = self.cluster.channel(self.cluster.query_process.address, api_key)
        self.addCleanup(channel.close)
        return query_pb2_grpc.QueryServiceStub(channel)

    def ingest_stub(self, api_key=None):
        channel = self.cluster.channel(self.cluster.ingest_process.address, api_key)
        self.addCleanup(channel.close)
        return ingest_pb2_grpc.IngestServiceStub(channel)

    def list_services(self, channel):
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        responses = list(stub.ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=10))
        return {s.name for s in responses[0].list_services_response.service}

    # -- TLS -----------------------------------------------------------------

    def test_plaintext_client_is_refused_everywhere(self):
        for process in self.cluster.processes():
            with self.subTest(process=process.name):
                with grpc.insecure_channel(process.address) as channel:
                    self.assert_code(grpc.StatusCode.UNAVAILABLE, lambda: self.health(channel))

    def test_index_requires_a_client_certificate_from_the_ca(self):
        address = self.cluster.index[0].address
        with grpc.secure_channel(address, self.client_credentials()) as channel:
            self.assert_code(grpc.StatusCode.UNAVAILABLE, lambda: self.health(channel))
        with grpc.secure_channel(address, self.client_credentials("rogue")) as channel:
            self.assert_code(grpc.StatusCode.UNAVAILABLE, lambda: self.health(channel))
        with grpc.secure_channel(address, self.client_credentials("client")) as channel:
            self.assertEqual(self.health(channel), health_pb2.HealthCheckResponse.SERVING)

    def test_client_that_does_not_trust_the_ca_is_refused(self):
        other = grpc.ssl_channel_credentials(root_certificates=read(f"{self.dir}/rogue-ca.pem"))
        with grpc.secure_channel(self.cluster.query_process.address, other) as channel:
            self.assert_code(grpc.StatusCode.UNAVAILABLE, lambda: self.health(channel))

    def test_shipping_and_search_go_over_mutual_tls(self):
        self.cluster.ingest([doc("sec-1", "Chiffrement", "les clés zanzibarite sont tournées")])
        self.cluster.wait_drained()
        response = self.cluster.wait_for_hits("zanzibarite", expected=1)
        self.assertEqual(response.hits[0].id, "sec-1")
        self.assertEqual(list(response.missing_shards), [])

    # -- API keys --------------------------------------------------------------

    def test_no_or_unknown_key_is_unauthenticated(self):
        request = query_pb2.SearchRequest(query="anything", limit=1)
        for key in (None, "lk_" + "0" * 64, self.keys["read"] + "x"):
            with self.subTest(key=key and key[:6]):
                error = self.assert_code(grpc.StatusCode.UNAUTHENTICATED,
                                         lambda: self.query_stub(key).Search(request, timeout=5))
                self.assertNotIn(self.keys["read"], error.details())
        self.assert_code(grpc.StatusCode.UNAUTHENTICATED,
                         lambda: self.ingest_stub().Status(ingest_pb2.IngestStatusRequest(),
                                                           timeout=5))

    def test_malformed_authorization_is_unauthenticated(self):
        with grpc.secure_channel(self.cluster.query_process.address,
                                 self.client_credentials()) as channel:
            stub = query_pb2_grpc.QueryServiceStub(channel)
            self.assert_code(grpc.StatusCode.UNAUTHENTICATED, lambda: stub.Search(
                query_pb2.SearchRequest(query="x", limit=1), timeout=5,
                metadata=[("authorization", "Basic " + self.keys["admin"])]))

    def test_read_key_reads_but_cannot_write(self):
        stub = self.ingest_stub(self.keys["read"])
        stub.Status(ingest_pb2.IngestStatusRequest(), timeout=5)
        self.query_stub(self.keys["read"]).Search(query_pb2.SearchRequest(query="x", limit=1),
                                                  timeout=5)
        request = ingest_pb2.IngestRequest(documents=[doc("ro-1", "t", "read only body")])
        for name, call in [
                ("Ingest", lambda: stub.Ingest(request, timeout=5)),
                ("IngestStream", lambda: stub.IngestStream(iter([request]), timeout=5)),
                ("Delete", lambda: stub.Delete(ingest_pb2.DeleteRequest(ids=["ro-1"]),
                                               timeout=5))]:
            with self.subTest(method=name):
                error = self.assert_code(grpc.StatusCode.PERMISSION_DENIED, call)
                self.assertIn("dashboard", error.details())
                self.assertIn("needs role write", error.details())
        self.assert_code(grpc.StatusCode.NOT_FOUND,
                         lambda: stub.Get(ingest_pb2.GetRequest(id="ro-1"), timeout=5))

    def test_write_key_streams_and_admin_methods_need_admin(self):
        stub = self.ingest_stub(self.keys["write"])
        response = stub.IngestStream(iter([ingest_pb2.IngestRequest(
            documents=[doc("stream-1", "t", "streamed quokkafield body")])]), timeout=10)
        self.assertEqual(len(response.results), 1)
        self.cluster.wait_for_hits("quokkafield", expected=1)
        # AdminService: checked before the method is even looked up.
        for address in (self.cluster.ingest_process.address, self.cluster.query_process.address):
            for role, allowed in [("read", False), ("write", False), ("admin", True)]:
                with self.subTest(address=address, role=role):
                    channel = self.cluster.channel(address, self.keys[role])
                    self.addCleanup(channel.close)
                    call = channel.unary_unary("/loupe.v1.AdminService/NoSuchMethod",
                                               request_serializer=lambda b: b,
                                               response_deserializer=lambda b: b)
                    error = self.assert_code(
                        grpc.StatusCode.UNIMPLEMENTED if allowed
                        else grpc.StatusCode.PERMISSION_DENIED, lambda: call(b"", timeout=5))
                    if not allowed:
                        self.assertIn("needs role admin", error.details())

    def test_health_and_reflection_need_no_key(self):
        for process in (self.cluster.ingest_process, self.cluster.query_process):
            with grpc.secure_channel(process.address, self.client_credentials()) as channel:
                self.assertEqual(self.health(channel), health_pb2.HealthCheckResponse.SERVING)
                services = self.list_services(channel)
                self.assertIn("grpc.health.v1.Health", services)
                self.assertTrue(any(s.startswith("loupe.v1.") for s in services), services)

    def test_plaintext_health_port_serves_only_health(self):
        with grpc.insecure_channel(f"127.0.0.1:{self.health_port}") as channel:
            self.assertEqual(self.health(channel), health_pb2.HealthCheckResponse.SERVING)
            stub = query_pb2_grpc.QueryServiceStub(channel)
            self.assert_code(grpc.StatusCode.UNIMPLEMENTED, lambda: stub.Search(
                query_pb2.SearchRequest(query="x", limit=1), timeout=5))
            self.assert_code(grpc.StatusCode.UNIMPLEMENTED, lambda: self.list_services(channel))

    # -- tools -----------------------------------------------------------------

    def test_cli_uses_tls_and_the_api_key_from_the_environment(self):
        loupe = os.path.join(BIN, "loupe")
        env = {k: v for k, v in os.environ.items() if not k.startswith("LOUPE_")}
        env.update(LOUPE_INGEST=self.cluster.ingest_process.address,
                   LOUPE_QUERY=self.cluster.query_process.address,
                   LOUPE_TLS_CA=f"{self.dir}/ca.pem")
        corpus = os.path.join(self.dir, "cli.jsonl")
        with open(corpus, "w") as f:
            f.write('{"id": "cli-1", "title": "CLI", "text": "le mot wombatique arrive"}\n')
        no_key = subprocess.run([loupe, "search", "wombatique"], env=env, capture_output=True,
                                text=True, timeout=60)
        self.assertEqual(no_key.returncode, 1, no_key.stderr)
        self.assertIn("UNAUTHENTICATED", no_key.stdout + no_key.stderr)
        plaintext = subprocess.run([loupe, "search", "wombatique"],
                                   env={**env, "LOUPE_TLS_CA": "",
                                        "LOUPE_API_KEY": self.keys["read"]},
                                   capture_output=True, text=True, timeout=60)
        self.assertNotEqual(plaintext.returncode, 0)
        subprocess.run([loupe, "ingest", corpus], env={**env, "LOUPE_API_KEY": self.keys["write"]},
                       check=True, capture_output=True, timeout=60)
        self.cluster.wait_for_hits("wombatique", expected=1)
        found = subprocess.run([loupe, "search", "wombatique", "--json"],
                               env={**env, "LOUPE_API_KEY": self.keys["read"]},
                               capture_output=True, text=True, timeout=60)
        self.assertEqual(found.returncode, 0, found.stderr)
        self.assertIn("cli-1", found.stdout)
        flag = subprocess.run([loupe, "get", "cli-1", f"--api_key={self.keys['read']}"],
                              env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(flag.returncode, 0, flag.stderr)
        bad_ca = subprocess.run([loupe, "status"], env={**env, "LOUPE_TLS_CA": "/nonexistent"},
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(bad_ca.returncode, 2)
        self.assertIn("--tls_ca=/nonexistent", bad_ca.stderr)

    def test_probe_speaks_mutual_tls(self):
        probe = os.path.join(BIN, "loupe-probe")
        address = self.cluster.index[1].address
        tls = [f"--tls_ca={self.dir}/ca.pem"]
        client = [f"--tls_cert={self.dir}/client.pem", f"--tls_key={self.dir}/client.key"]
        ok = subprocess.run([probe, *tls, *client, address], capture_output=True, text=True,
                            timeout=30)
        self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
        no_cert = subprocess.run([probe, *tls, address], capture_output=True, text=True,
                                 timeout=30)
        self.assertEqual(no_cert.returncode, 1, no_cert.stdout)
        plain = subprocess.run([probe, address], capture_output=True, text=True, timeout=30)
        self.assertEqual(plain.returncode, 1, plain.stdout)

    def test_zz_keys_never_reach_a_log(self):
        # Runs last (alphabetical order): every call above has been logged.
        logs = [process.log() for process in self.cluster.processes()]
        self.assertTrue(any("dashboard" in log for log in logs), "denials name the key")
        for role, key in self.keys.items():
            for process, log in zip(self.cluster.processes(), logs):
                with self.subTest(role=role, process=process.name):
                    self.assertNotIn(key, log)
                    self.assertNotIn(key[3:20], log)


class StandaloneServices(unittest.TestCase):
    """Single processes: reflection off, keys on plaintext, bad flags."""

    def test_reflection_flag_turns_it_off(self):
        root = tempfile.mkdtemp(prefix="loupe-reflection-off-")
        self.addCleanup(shutil.rmtree, root, True)
        address = f"127.0.0.1:{free_port()}"
        log = open(os.path.join(root, "index.log"), "wb")
        self.addCleanup(log.close)
        process = subprocess.Popen(
            [os.path.join(BIN, "loupe-index"), "--shard_count=1", f"--data_dir={root}/db",
             f"--listen={address}", "--reflection=false", "--metrics_listen=off"],
            stdout=log, stderr=log, env={k: v for k, v in os.environ.items()
                                         if not k.startswith("LOUPE_")})
        self.addCleanup(lambda: (process.terminate(), process.wait(20)))
        wait_serving(address)
        with grpc.insecure_channel(address) as channel:
            stub = reflection_pb2_grpc.ServerReflectionStub(channel)
            with self.assertRaises(grpc.RpcError) as caught:
                list(stub.ServerReflectionInfo(
                    iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5))
            self.assertEqual(caught.exception.code(), grpc.StatusCode.UNIMPLEMENTED)

    def test_api_keys_work_on_a_plaintext_port_too(self):
        root = tempfile.mkdtemp(prefix="loupe-plain-keys-")
        self.addCleanup(shutil.rmtree, root, True)
        keys = {"read": "plain-read-key", "write": "plain-write-key"}
        with open(f"{root}/keys.txt", "w") as f:
            for role, key in keys.items():
                f.write(run(os.path.join(BIN, "loupe-keys"), "hash", role, f"{role}-bot",
                            input=key).stdout)
        address = f"127.0.0.1:{free_port()}"
        log = open(os.path.join(root, "ingest.log"), "wb")
        self.addCleanup(log.close)
        process = subprocess.Popen(
            [os.path.join(BIN, "loupe-ingest"), "--shard_count=1", f"--data_dir={root}/db",
             f"--index_addresses=127.0.0.1:{free_port()}", f"--listen={address}",
             f"--api_keys_file={root}/keys.txt", "--metrics_listen=off"],
            stdout=log, stderr=log, env={k: v for k, v in os.environ.items()
                                         if not k.startswith("LOUPE_")})
        self.addCleanup(lambda: (process.terminate(), process.wait(20)))
        wait_serving(address)
        with grpc.insecure_channel(address) as channel:
            stub = ingest_pb2_grpc.IngestServiceStub(channel)

            def status(key):
                metadata = [("authorization", f"Bearer {key}")] if key else None
                return stub.Status(ingest_pb2.IngestStatusRequest(), timeout=5, metadata=metadata)

            with self.assertRaises(grpc.RpcError) as caught:
                status(None)
            self.assertEqual(caught.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
            status(keys["read"])
            with self.assertRaises(grpc.RpcError) as caught:
                stub.Delete(ingest_pb2.DeleteRequest(ids=["x"]), timeout=5,
                            metadata=[("authorization", f"Bearer {keys['read']}")])
            self.assertEqual(caught.exception.code(), grpc.StatusCode.PERMISSION_DENIED)

    def test_bad_security_flags_stop_the_service_with_one_line(self):
        root = tempfile.mkdtemp(prefix="loupe-bad-flags-")
        self.addCleanup(shutil.rmtree, root, True)
        with open(f"{root}/keys.txt", "w") as f:
            f.write("owner 1234 someone\n")
        base = [os.path.join(BIN, "loupe-index"), "--shard_count=1", f"--data_dir={root}/db",
                f"--listen=127.0.0.1:{free_port()}", "--metrics_listen=off"]
        for flags, message in [
                (["--tls_cert=/nonexistent.pem", "--tls_key=/nonexistent.key"],
                 "--tls_cert=/nonexistent.pem: cannot read"),
                ([f"--tls_cert={root}/keys.txt"], "--tls_cert and --tls_key go together"),
                (["--tls_client_auth=require"], "needs --tls_cert"),
                (["--tls_client_auth=maybe"], "want none, request or require"),
                ([f"--api_keys_file={root}/keys.txt"], "line 1: role must be"),
                (["--api_keys_file=/nonexistent"], "cannot read")]:
            with self.subTest(flags=flags):
                result = subprocess.run(base + flags, capture_output=True, text=True, timeout=30)
                self.assertNotEqual(result.returncode, 0)
                self.assertIn(message, result.stderr)


class InputLimits(unittest.TestCase):
    """Every input-limit flag, set small, turns excess into INVALID_ARGUMENT or
    RESOURCE_EXHAUSTED (gRPC's message size) with the field named."""

    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(
            shards=1,
            extra_ingest_args=["--max_batch_documents=3", "--max_body_bytes=200",
                               "--max_title_bytes=20", "--max_message_bytes=4096"],
            extra_query_args=["--max_query_bytes=40", "--max_clauses=3", "--max_limit=5",
                              "--max_message_bytes=2048"],
            extra_index_args=["--max_message_bytes=100000"])
        cls.cluster.start()

    @classmethod
    def tearDownClass(cls):
        cls.cluster.close()

    def assert_invalid(self, call, field):
        with self.assertRaises(grpc.RpcError) as caught:
            call()
        self.assertEqual(caught.exception.code(), grpc.StatusCode.INVALID_ARGUMENT,
                         caught.exception.details())
        fields = [f for f, _ in field_violations(caught.exception)]
        self.assertTrue(any(f.startswith(field) for f in fields) or field in
                        caught.exception.details(), (fields, caught.exception.details()))

    def assert_too_large(self, call):
        with self.assertRaises(grpc.RpcError) as caught:
            call()
        self.assertEqual(caught.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED,
                         caught.exception.details())

    def test_max_batch_documents(self):
        self.cluster.ingest([doc(f"b{i}", "t", "b") for i in range(3)])
        self.assert_invalid(
            lambda: self.cluster.ingest([doc(f"c{i}", "t", "b") for i in range(4)]), "documents")

    def test_max_body_bytes(self):
        self.cluster.ingest([doc("body-ok", "t", "x" * 200)])
        self.assert_invalid(lambda: self.cluster.ingest([doc("body-big", "t", "x" * 201)]),
                            "documents[0].body")

    def test_max_title_bytes(self):
        self.cluster.ingest([doc("title-ok", "t" * 20, "body")])
        self.assert_invalid(lambda: self.cluster.ingest([doc("title-big", "t" * 21, "body")]),
                            "documents[0].title")

    def test_ingest_max_message_bytes(self):
        # Past --max_message_bytes gRPC refuses the request before validation.
        self.assert_too_large(lambda: self.cluster.ingest([doc("huge", "t", "x" * 5000)]))

    def test_max_query_bytes(self):
        self.cluster.search("a" * 40, limit=1)
        self.assert_invalid(lambda: self.cluster.search("a" * 41, limit=1), "query")

    def test_max_clauses(self):
        self.cluster.search("alpha beta gamma", limit=1)
        self.assert_invalid(lambda: self.cluster.search("alpha beta gamma delta", limit=1),
                            "query")

    def test_max_limit(self):
        self.cluster.search("alpha", limit=5)
        self.assert_invalid(lambda: self.cluster.search("alpha", limit=6), "limit")

    def test_query_max_message_bytes(self):
        request = query_pb2.SearchRequest(query="alpha", limit=1, lang="x" * 3000)
        self.assert_too_large(lambda: self.cluster.query_stub.Search(request, timeout=10))

    def test_index_max_message_bytes(self):
        with grpc.insecure_channel(self.cluster.index[0].address) as channel:
            info = channel.unary_unary("/loupe.v1.IndexService/Info",
                                       request_serializer=lambda b: b,
                                       response_deserializer=lambda b: b)
            # An InfoRequest padded with an unknown field past the limit.
            padding = b"\xfa\x3f" + _varint(120000) + b"p" * 120000  # field 1023, bytes
            self.assert_too_large(lambda: info(padding, timeout=10))


def _varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


if __name__ == "__main__":
    unittest.main()
