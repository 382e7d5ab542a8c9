"""Test harness: a real Loupe cluster on loopback, in a temporary folder.

Launches the real binaries (loupe-index, loupe-ingest, loupe-query) on free
loopback ports with real RocksDB folders, waits for grpc.health.v1 SERVING,
and gives generated Python stubs to talk to them. Processes can be stopped
gracefully, killed with SIGKILL, and restarted on the same data.

    with Cluster(shards=2) as cluster:
        cluster.ingest([doc("a", "title", "body text")])
        hits = cluster.wait_for_hits("body", expected=1)

Environment (set by ctest): LOUPE_BIN (binaries), LOUPE_GEN_PY (generated
Python modules).
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

GEN_PY = os.environ.get("LOUPE_GEN_PY", os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "release", "gen_py"))
sys.path.insert(0, GEN_PY)

import grpc  # noqa: E402

# grpcio is a regular package, so the generated grpc/health/v1 modules are
# only found once its search path includes the generated tree.
grpc.__path__.append(os.path.join(GEN_PY, "grpc"))
from grpc.health.v1 import health_pb2, health_pb2_grpc  # noqa: E402
from loupe.v1 import document_pb2, index_pb2, index_pb2_grpc  # noqa: E402,F401
from loupe.v1 import ingest_pb2, ingest_pb2_grpc, query_pb2, query_pb2_grpc  # noqa: E402,F401

BIN = os.environ.get("LOUPE_BIN", os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "release", "bin"))

# How long a test waits for something that should happen "within about a
# second" before it fails: generous, because the machine is shared and noisy.
EVENTUAL_TIMEOUT_S = 30


def free_port():
    """A port that was free a moment ago (explicit ports: see gRPC 1.51's port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def doc(doc_id, title, body, **fields):
    return document_pb2.Document(id=doc_id, title=title, body=body, **fields)


class Process:
    """One service process with its command line, log file and data folder."""

    def __init__(self, name, args, address, log_path):
        self.name = name
        self.base_args = args
        self.address = address
        self.log_path = log_path
        self.popen = None
        self.new_metrics_port()

    def new_metrics_port(self):
        """Every service also serves Prometheus metrics, on a port of its own."""
        self.metrics_address = f"127.0.0.1:{free_port()}"
        self.args = self.base_args + [f"--metrics_listen={self.metrics_address}"]

    def start(self):
        log = open(self.log_path, "ab")
        env = {k: v for k, v in os.environ.items() if not k.startswith("LOUPE_")}
        self.popen = subprocess.Popen(self.args, stdout=log, stderr=log, env=env)
        log.close()

    def running(self):
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout=20):
        """SIGTERM and wait; returns the exit code."""
        if not self.running():
            return self.popen.returncode if self.popen else None
        self.popen.send_signal(signal.SIGTERM)
        return self.popen.wait(timeout=timeout)

    def kill9(self):
        if self.running():
            self.popen.kill()
            self.popen.wait()

    def metrics(self):
        """{'name{labels}': value} scraped from the process's /metrics page."""
        import urllib.request
        with urllib.request.urlopen(f"http://{self.metrics_address}/metrics", timeout=5) as page:
            text = page.read().decode("utf-8")
        values = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                series, _, value = line.rpartition(" ")
                values[series] = float(value)
        return values

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


def wait_serving(address, timeout=EVENTUAL_TIMEOUT_S, process=None, credentials=None):
    """Waits for Health/Check SERVING; `credentials`: grpc.ssl_channel_credentials for TLS."""
    deadline = time.time() + timeout
    channel = (grpc.secure_channel(address, credentials) if credentials is not None
               else grpc.insecure_channel(address))
    stub = health_pb2_grpc.HealthStub(channel)
    last = None
    while time.time() < deadline:
        if process is not None and not process.running():
            raise AssertionError(f"{process.name} exited with {process.popen.returncode}:\n"
                                 f"{process.log()[-3000:]}")
        try:
            response = stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
            if response.status == health_pb2.HealthCheckResponse.SERVING:
                channel.close()
                return
            last = response.status
        except grpc.RpcError as error:
            last = error.code()
        time.sleep(0.05)
    channel.close()
    raise AssertionError(f"{address} not SERVING after {timeout}s (last: {last})")


class Cluster:
    """1 ingest, `shards` index shards and 1 query service, each in its own folder.

    Optional, for TLS clusters: `extra_index_args`; `credentials`, the
    grpc.ssl_channel_credentials the harness connects with (health checks
    included); `api_key`, sent as "authorization: Bearer" by the stubs.
    """

    def __init__(self, shards=2, root=None, extra_ingest_args=(), extra_query_args=(),
                 extra_index_args=(), credentials=None, api_key=None):
        self.shards = shards
        self.extra_index_args = list(extra_index_args)
        self.credentials = credentials
        self.api_key = api_key
        self.owns_root = root is None
        self.root = root or tempfile.mkdtemp(prefix="loupe-test-")
        self.extra_ingest_args = list(extra_ingest_args)
        self.extra_query_args = list(extra_query_args)
        self.index = []
        self.ingest_process = None
        self.query_process = None
        self.channels = []

    # -- lifecycle ---------------------------------------------------------

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def index_args(self, shard, port):
        return [os.path.join(BIN, "loupe-index"), f"--shard_id={shard}",
                f"--shard_count={self.shards}",
                f"--data_dir={self.root}/index-{shard}",
                f"--listen=127.0.0.1:{port}"] + self.extra_index_args

    # Ports come from free_port(), which can race with another test (ctest -j)
    # binding the same port first; a start that fails that way is retried.
    START_ATTEMPTS = 3

    def start(self):
        for attempt in range(self.START_ATTEMPTS):
            try:
                self.start_once()
                return
            except AssertionError as error:
                lost_race = "port in use" in str(error) or "Address already in use" in str(error)
                if not lost_race or attempt + 1 == self.START_ATTEMPTS:
                    raise
                self.index, self.ingest_process, self.query_process = [], None, None

    def stop_processes(self):
        for process in reversed(self.processes()):
            if process is not None and process.popen is not None:
                process.stop()

    def start_once(self):
        os.makedirs(self.root, exist_ok=True)
        index_addresses = []
        for shard in range(self.shards):
            port = free_port()
            address = f"127.0.0.1:{port}"
            index_addresses.append(address)
            self.index.append(Process(f"index-{shard}", self.index_args(shard, port), address,
                                      f"{self.root}/index-{shard}.log"))
        addresses = ",".join(index_addresses)
        ingest_port, query_port = free_port(), free_port()
        self.ingest_process = Process(
            "ingest", [os.path.join(BIN, "loupe-ingest"), f"--shard_count={self.shards}",
                       f"--index_addresses={addresses}", f"--data_dir={self.root}/ingest",
                       f"--listen=127.0.0.1:{ingest_port}"] + self.extra_ingest_args,
            f"127.0.0.1:{ingest_port}", f"{self.root}/ingest.log")
        self.query_process = Process(
            "query", [os.path.join(BIN, "loupe-query"), f"--shard_count={self.shards}",
                      f"--index_addresses={addresses}", f"--data_dir={self.root}/query",
                      f"--listen=127.0.0.1:{query_port}"] + self.extra_query_args,
            f"127.0.0.1:{query_port}", f"{self.root}/query.log")
        try:
            for process in self.processes():
                process.start()
            for process in self.processes():
                wait_serving(process.address, process=process, credentials=self.credentials)
        except AssertionError:
            self.stop_processes()  # never leak processes; start() may try again
            raise
        except BaseException:
            self.close()  # stop what did start: never leak processes
            raise
        self.connect()

    def processes(self):
        return self.index + [self.ingest_process, self.query_process]

    def channel(self, address, api_key=None):
        """A channel to `address` with the cluster's credentials and `api_key` (if any)."""
        if self.credentials is None:
            return grpc.insecure_channel(address)
        credentials = self.credentials
        if api_key is not None:
            credentials = grpc.composite_channel_credentials(
                credentials, grpc.access_token_call_credentials(api_key))
        return grpc.secure_channel(address, credentials)

    def connect(self):
        self.ingest_channel = self.channel(self.ingest_process.address, self.api_key)
        self.query_channel = self.channel(self.query_process.address, self.api_key)
        self.ingest_stub = ingest_pb2_grpc.IngestServiceStub(self.ingest_channel)
        self.query_stub = query_pb2_grpc.QueryServiceStub(self.query_channel)
        self.channels += [self.ingest_channel, self.query_channel]

    def restart(self, process):
        """Starts a stopped or killed process again on its data and port.

        Its metrics port may have been taken meanwhile (free_port() races
        with other tests and with outgoing connections' ports): then it
        starts again on another metrics port; the service's own port stays."""
        for attempt in range(self.START_ATTEMPTS):
            process.start()
            try:
                wait_serving(process.address, process=process, credentials=self.credentials)
                return
            except AssertionError as error:
                if "metrics: cannot listen" not in str(error) or attempt + 1 == self.START_ATTEMPTS:
                    raise
                process.new_metrics_port()

    def close(self):
        for channel in self.channels:
            channel.close()
        codes = {}
        for process in reversed(self.processes()):
            if process is not None:
                codes[process.name] = process.stop()
        if self.owns_root and os.environ.get("LOUPE_KEEP_TEST_DATA") != "1":
            shutil.rmtree(self.root, ignore_errors=True)
        return codes

    def logs(self):
        return "\n".join(f"--- {p.name} ---\n{p.log()[-4000:]}" for p in self.processes())

    # -- calls -------------------------------------------------------------

    def ingest(self, documents, timeout=30):
        return self.ingest_stub.Ingest(ingest_pb2.IngestRequest(documents=documents),
                                       timeout=timeout)

    def search(self, query, limit=10, timeout=10, **fields):
        return self.query_stub.Search(query_pb2.SearchRequest(query=query, limit=limit, **fields),
                                      timeout=timeout)

    def wait_until(self, predicate, what, timeout=EVENTUAL_TIMEOUT_S):
        """Polls `predicate` (returns a truthy value when done) until the timeout."""
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                last = predicate()
                if last:
                    return last
            except grpc.RpcError as error:
                last = error
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; last={last}\n{self.logs()}")

    def wait_for_hits(self, query, expected, limit=1000):
        """Waits until `query` has exactly `expected` total hits; returns the response."""
        def check():
            response = self.search(query, limit=limit)
            return response if response.total_hits == expected else None
        return self.wait_until(check, f"{expected} hits for {query!r}")

    def wait_drained(self):
        """Waits until ingest reports an empty backlog on every shard."""
        def drained():
            status = self.ingest_stub.Status(ingest_pb2.IngestStatusRequest(), timeout=5)
            return all(s.backlog == 0 for s in status.shards)
        self.wait_until(drained, "an empty shipping backlog")


def status_details(error):
    """google.rpc.Status decoded from a grpc.RpcError's trailers, or None."""
    from google.rpc import status_pb2  # generated from protos/google/rpc
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status()
            status.ParseFromString(value)
            return status
    return None


def field_violations(error):
    """[(field, description)] from the google.rpc.BadRequest detail of an error."""
    from google.rpc import error_details_pb2
    status = status_details(error)
    if status is None:
        return []
    violations = []
    for detail in status.details:
        if detail.type_url.endswith("google.rpc.BadRequest"):
            bad_request = error_details_pb2.BadRequest()
            bad_request.ParseFromString(detail.value)
            violations += [(v.field, v.description) for v in bad_request.field_violations]
    return violations
