"""Network fault: one index shard cut off from the cluster mid-load, then healed.

Every service runs on a test host of its own: a network namespace made by the
test (netns.py), on a private bridge; the test process is the client, on the
same bridge from a private namespace of its own, so nothing touches the host's
network. A loader ingests one document per call, continuously; shard 1's
switch port goes down for at least CUT_MIN_S (packets vanish, no errors).

While cut: ingest keeps acknowledging (shard 1's backlog grows, and stops at
--max_backlog: then RESOURCE_EXHAUSTED naming shard 1, while shard 0's
documents are still accepted); search answers before the client's deadline
and names shard 1 missing. After healing: the backlog drains, every
acknowledged document is searchable exactly once (its unique term, and the
id list), and no rejected document is.

Needs root and `ip netns`. Run as a program (ctest does), it prints SKIPPED
and exits 77 when they are missing; under `python3 -m unittest` the test is
skipped with the reason.
"""
import os
import shutil
import sys
import tempfile
import threading
import time
import unittest

import netns

PREFIX = "lpnf"  # namespace names: lpnf<pid>-<host>
SKIP_RETURN_CODE = 77
HOSTS = {"ingest": "10.200.0.10", "index-0": "10.200.0.11", "index-1": "10.200.0.12",
         "query": "10.200.0.20"}
PORTS = {"ingest": 50051, "index-0": 50061, "index-1": 50062, "query": 50052}
CUT_SHARD = 1
MAX_BACKLOG = 100          # ingest --max_backlog: small, so the cut fills it
LOAD_PAUSE_S = 0.02        # between two Ingest calls (about 50 documents/s)
CLIENT_DEADLINE_S = 5      # the search client's deadline
QUERY_TIMEOUT_MS = 4000    # loupe-query's cap on a client's deadline
CUT_MIN_S = 12             # the link stays down at least this long...
CUT_MAX_S = 120            # ...and until what must be seen was seen, at most this
WAIT_S = 180               # bound of every other wait (busy machine)
MARKER = "netfaultmarker"

_cluster = None  # the harness module, imported once the process is in its namespace


def setUpModule():
    global _cluster
    reason = netns.unavailable_reason(PREFIX)
    if reason:
        print(f"SKIPPED: network-fault test: {reason}", file=sys.stderr)
        raise unittest.SkipTest(reason)
    # Before any gRPC channel exists (the client must live on the test network).
    netns.enter_private_namespace()
    import cluster
    _cluster = cluster


def unique_term(number):
    return f"uniq{number}x"


def error_info(error):
    """(reason, metadata) of the google.rpc.ErrorInfo in a gRPC error, or (None, {})."""
    from google.rpc import error_details_pb2
    status = _cluster.status_details(error)
    for detail in status.details if status else ():
        if detail.type_url.endswith("google.rpc.ErrorInfo"):
            info = error_details_pb2.ErrorInfo()
            info.ParseFromString(detail.value)
            return info.reason, dict(info.metadata)
    return None, {}


class Loader(threading.Thread):
    """Ingests documents nf-0, nf-1, ... one per call until stopped.

    Records each acknowledgement (id -> shard, with its time) and each
    RESOURCE_EXHAUSTED (never retried: that id must stay unsearchable).
    Any other error ends the load and is reported.
    """

    def __init__(self, stub):
        super().__init__(daemon=True)
        self.stub = stub
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.acked = {}        # id -> shard
        self.ack_events = []   # (time, shard)
        self.rejections = []   # (time, id, code, message, reason, metadata)
        self.failures = []     # unexpected errors

    def run(self):
        import grpc
        deadline = time.monotonic() + 3 * WAIT_S
        number = 0
        while not self.stopping.is_set() and time.monotonic() < deadline:
            doc_id = f"nf-{number}"
            document = _cluster.doc(doc_id, f"{MARKER} {number}",
                                    f"{MARKER} body {unique_term(number)}", lang="en")
            try:
                response = self.stub.Ingest(
                    _cluster.ingest_pb2.IngestRequest(documents=[document]), timeout=30)
                with self.lock:
                    self.acked[doc_id] = response.results[0].shard
                    self.ack_events.append((time.monotonic(), response.results[0].shard))
            except grpc.RpcError as error:
                with self.lock:
                    if error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
                        reason, metadata = error_info(error)
                        self.rejections.append((time.monotonic(), doc_id, error.code(),
                                                error.details(), reason, metadata))
                    else:
                        self.failures.append(f"{doc_id}: {error.code()}: {error.details()}")
                        return
            number += 1
            self.stopping.wait(LOAD_PAUSE_S)

    def snapshot(self):
        with self.lock:
            return dict(self.acked), list(self.ack_events), list(self.rejections)

    def acks_since(self, since, shard):
        with self.lock:
            return sum(1 for at, s in self.ack_events if at >= since and s == shard)


class NetworkFaultTest(unittest.TestCase):
    def setUp(self):
        netns.remove_leftovers(PREFIX)
        self.root = tempfile.mkdtemp(prefix="loupe-netfault-")
        self.network = netns.TestNetwork(PREFIX, HOSTS)
        self.processes = {}
        self.channels = []
        self.addCleanup(self.clean_up)
        self.network.create()
        index_addresses = ",".join(self.address(f"index-{s}") for s in range(2))
        commands = {
            "index-0": ["loupe-index", "--shard_id=0", "--shard_count=2"],
            "index-1": ["loupe-index", "--shard_id=1", "--shard_count=2"],
            "ingest": ["loupe-ingest", "--shard_count=2", f"--index_addresses={index_addresses}",
                       f"--max_backlog={MAX_BACKLOG}"],
            # The client's deadline bounds the search (a 2 s default cap would
            # leave a healthy shard little time on a busy machine).
            "query": ["loupe-query", "--shard_count=2", f"--index_addresses={index_addresses}",
                      f"--default_timeout_ms={QUERY_TIMEOUT_MS}"],
        }
        for host, command in commands.items():
            args = (self.network.exec_prefix(host) + [os.path.join(_cluster.BIN, command[0])]
                    + command[1:] + [f"--data_dir={self.root}/{host}",
                                     f"--listen={self.address(host)}"])
            # Process drops LOUPE_* from the environment and adds a loopback
            # --metrics_listen (the host's own loopback, inside its namespace).
            process = _cluster.Process(host, args, self.address(host), f"{self.root}/{host}.log")
            self.processes[host] = process
            process.start()
        for process in self.processes.values():
            _cluster.wait_serving(process.address, timeout=WAIT_S, process=process)
        self.ingest_stub = _cluster.ingest_pb2_grpc.IngestServiceStub(
            self.channel(self.address("ingest")))
        self.query_stub = _cluster.query_pb2_grpc.QueryServiceStub(
            self.channel(self.address("query")))

    def address(self, host):
        return f"{HOSTS[host]}:{PORTS[host]}"

    def channel(self, address):
        import grpc
        channel = grpc.insecure_channel(address)
        self.channels.append(channel)
        return channel

    def clean_up(self):
        for host in HOSTS:
            try:
                self.network.heal(host)  # lets the services shut down cleanly
            except Exception:  # noqa: BLE001 - best effort, the network may be half made
                pass
        for channel in self.channels:
            channel.close()
        for process in self.processes.values():
            try:
                process.stop(timeout=20)
            except Exception:  # noqa: BLE001 - a hung process is killed below
                process.kill9()
        self.network.destroy()
        if os.environ.get("LOUPE_KEEP_TEST_DATA") == "1":
            print(f"test data kept in {self.root}", file=sys.stderr)
        else:
            shutil.rmtree(self.root, ignore_errors=True)

    def logs(self):
        return "\n".join(f"--- {name} ---\n{p.log()[-4000:]}" for name, p in self.processes.items())

    # -- calls ---------------------------------------------------------------

    def status(self):
        return self.ingest_stub.Status(_cluster.ingest_pb2.IngestStatusRequest(), timeout=5)

    def search(self, query, limit=10, page_token=""):
        return self.query_stub.Search(
            _cluster.query_pb2.SearchRequest(query=query, limit=limit, page_token=page_token),
            timeout=CLIENT_DEADLINE_S)

    def wait_until(self, predicate, what, timeout=WAIT_S):
        import grpc
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = predicate()
                if last:
                    return last
            except grpc.RpcError as error:
                last = f"{error.code()}: {error.details()}"
            time.sleep(0.2)
        self.fail(f"timed out after {timeout}s waiting for {what}; last={last}")

    def timed_search(self):
        """(response or None, error text or None, seconds) of one search of MARKER."""
        import grpc
        started = time.monotonic()
        try:
            response = self.search(MARKER, limit=20)
            return response, None, time.monotonic() - started
        except grpc.RpcError as error:
            return None, f"{error.code()}: {error.details()}", time.monotonic() - started

    # -- the scenario --------------------------------------------------------

    def test_cut_one_shard_mid_load_then_heal(self):
        loader = Loader(self.ingest_stub)
        self.addCleanup(loader.join, 60)
        self.addCleanup(loader.stopping.set)
        try:
            self.scenario(loader)
        except BaseException:
            print(self.logs(), file=sys.stderr)
            raise

    def scenario(self, loader):
        loader.start()
        # Healthy load first: both shards receive and apply documents.
        self.wait_until(lambda: loader.failures or (
            loader.acks_since(0, 0) >= 30 and loader.acks_since(0, 1) >= 30
            and all(s.applied_sequence > 0 for s in self.status().shards)),
            "documents applied on both shards")
        self.assertFalse(loader.failures, loader.failures)
        self.wait_until(lambda: not self.search(MARKER).missing_shards, "a complete answer")

        # -- cut ------------------------------------------------------------
        cut_at = time.monotonic()
        self.network.cut(f"index-{CUT_SHARD}")
        print(f"cut index-{CUT_SHARD} after {len(loader.snapshot()[0])} acknowledgements",
              file=sys.stderr)
        backlogs, searches = [], []
        while True:
            elapsed = time.monotonic() - cut_at
            _, _, rejections = loader.snapshot()
            first_rejection = min((r[0] for r in rejections if r[0] >= cut_at), default=None)
            seen_everything = (first_rejection is not None and len(searches) >= 3
                               and loader.acks_since(first_rejection, 1 - CUT_SHARD) >= 5)
            if loader.failures or elapsed > CUT_MAX_S or (elapsed >= CUT_MIN_S and seen_everything):
                break
            shard = self.status().shards[CUT_SHARD]
            backlogs.append((shard.backlog, shard.backlog_limit, shard.last_error))
            searches.append(self.timed_search())
            time.sleep(0.5)
        cut_lasted = time.monotonic() - cut_at
        heal_at = time.monotonic()
        self.network.heal(f"index-{CUT_SHARD}")
        print(f"healed after {cut_lasted:.1f}s; backlog of shard {CUT_SHARD} while cut: "
              f"{[b for b, _, _ in backlogs]}", file=sys.stderr)
        self.assertFalse(loader.failures, f"ingest must keep answering: {loader.failures}")

        # While cut, ingest kept acknowledging; shard 1's backlog grew up to its bound.
        self.assertGreater(loader.acks_since(cut_at, CUT_SHARD), 0,
                           "documents of the cut shard were acknowledged")
        self.assertTrue(all(limit == MAX_BACKLOG for _, limit, _ in backlogs))
        observed = [b for b, _, _ in backlogs]
        self.assertGreater(max(observed), observed[0], "the backlog grew while cut")
        self.assertLessEqual(max(observed), MAX_BACKLOG, "the backlog is bounded")
        self.assertEqual(max(observed), MAX_BACKLOG, "the backlog reached its bound")

        # Past the bound: RESOURCE_EXHAUSTED naming the cut shard, nothing else;
        # the other shard's documents were still accepted.
        _, _, rejections = loader.snapshot()
        cut_rejections = [r for r in rejections if r[0] >= cut_at]
        self.assertTrue(cut_rejections, "a full backlog answers RESOURCE_EXHAUSTED")
        for _, doc_id, code, message, reason, metadata in cut_rejections:
            self.assertEqual(reason, "BACKLOG_FULL", f"{doc_id}: {message}")
            self.assertEqual(metadata.get("shard"), str(CUT_SHARD), f"{doc_id}: {message}")
            self.assertIn(f"index shard {CUT_SHARD}", message)
        first_rejection = min(r[0] for r in cut_rejections)
        self.assertGreaterEqual(loader.acks_since(first_rejection, 1 - CUT_SHARD), 5,
                                "the other shard's documents are still accepted")

        # Search answered every time, before the client's deadline, naming shard 1.
        self.assertGreaterEqual(len(searches), 3)
        for response, error, seconds in searches:
            self.assertIsNone(error, "search must answer while a shard is cut off")
            self.assertLess(seconds, CLIENT_DEADLINE_S)
            self.assertEqual([m.shard for m in response.missing_shards], [CUT_SHARD])
            self.assertTrue(response.missing_shards[0].error)
            self.assertEqual(list(response.answered_shards), [1 - CUT_SHARD])
            self.assertGreater(response.total_hits, 0)
            self.assertTrue(all(hit.shard != CUT_SHARD for hit in response.hits))

        # -- healed ---------------------------------------------------------
        # Writes to shard 1 are accepted again, then the load stops.
        self.wait_until(lambda: loader.failures or loader.acks_since(heal_at, CUT_SHARD) >= 5,
                        f"acknowledgements for shard {CUT_SHARD} after healing")
        loader.stopping.set()
        loader.join(timeout=60)
        self.assertFalse(loader.is_alive(), "the loader stopped")
        self.assertFalse(loader.failures, loader.failures)
        acked, _, rejections = loader.snapshot()
        self.wait_until(lambda: all(s.backlog == 0 for s in self.status().shards),
                        "the backlog to drain")
        print(f"drained {time.monotonic() - heal_at:.1f}s after healing; "
              f"{len(acked)} acknowledged, {len(rejections)} rejected", file=sys.stderr)
        self.assertEqual(self.status().document_count, len(acked))

        # Every acknowledged document is searchable exactly once.
        self.wait_until(lambda: (lambda r: not r.missing_shards and r.total_hits == len(acked))(
            self.search(MARKER)), f"{len(acked)} hits from both shards")
        ids, token = [], ""
        for _ in range(len(acked) // 500 + 2):
            page = self.search(MARKER, limit=500, page_token=token)
            self.assertFalse(page.missing_shards)
            ids += [hit.id for hit in page.hits]
            for hit in page.hits:
                self.assertEqual(hit.shard, acked.get(hit.id), hit.id)
            token = page.next_page_token
            if not token:
                break
        self.assertEqual(len(ids), len(set(ids)), "no document twice")
        self.assertEqual(sorted(ids), sorted(acked))
        numbers = sorted(int(doc_id[3:]) for doc_id in acked)
        for start in range(0, len(numbers), 40):
            terms = [unique_term(n) for n in numbers[start:start + 40]]
            response = self.search(" OR ".join(terms), limit=1)
            self.assertFalse(response.missing_shards)
            self.assertEqual(response.total_hits, len(terms), f"one document per term: {terms}")
        # A rejected document was never written.
        rejected = sorted(int(r[1][3:]) for r in rejections)
        for start in range(0, len(rejected), 40):
            terms = [unique_term(n) for n in rejected[start:start + 40]]
            self.assertEqual(self.search(" OR ".join(terms), limit=1).total_hits, 0, terms)


def main():
    reason = netns.unavailable_reason(PREFIX)
    if reason:
        print(f"SKIPPED: network-fault test: {reason}")
        return SKIP_RETURN_CODE
    result = unittest.main(module=__name__, exit=False, verbosity=2).result
    if result.skipped and not result.testsRun - len(result.skipped):
        print("SKIPPED: every network-fault test was skipped")
        return SKIP_RETURN_CODE
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
