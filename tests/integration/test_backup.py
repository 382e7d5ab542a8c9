"""Backups: AdminService.Checkpoint on every service and `loupe backup DIR`,
taken while a loader keeps writing, restored into a fresh cluster (new data
folders copied from the checkpoints, new ports).

Checks that every document acknowledged before the backup started is
searchable exactly once and Get-able after the restore, that writes after
the restore are applied and not skipped (the shards may be ahead of the
restored ingest: see IngestEngine::ReconcileWithShard), and the RPC's
validation of target_dir.
"""
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

import grpc

from cluster import BIN, Cluster, doc, field_violations, status_details
from loupe.v1 import admin_pb2, admin_pb2_grpc, ingest_pb2

WORD = "backupcorpus"


def make_doc(doc_id, extra=""):
    return doc(doc_id, f"Backup document {doc_id}",
               f"The {WORD} holds article {doc_id} about harbour cranes and tides. {extra}")


class Loader(threading.Thread):
    """Ingests batches until stopped; records the ids of acknowledged batches."""

    def __init__(self, cluster, prefix, limit):
        super().__init__(daemon=True)
        self.cluster, self.prefix, self.limit = cluster, prefix, limit
        self.lock = threading.Lock()
        self.acked = []
        self.stopping = threading.Event()
        self.errors = []

    def acknowledged(self):
        with self.lock:
            return list(self.acked)

    def run(self):
        n = 0
        while not self.stopping.is_set() and n < self.limit:
            ids = [f"{self.prefix}-{n + k}" for k in range(5)]
            try:
                self.cluster.ingest([make_doc(i) for i in ids], timeout=20)
                with self.lock:
                    self.acked.extend(ids)
            except grpc.RpcError as error:  # Not acknowledged: may or may not be there.
                self.errors.append(error.code())
            n += 5
            time.sleep(0.01)


def admin_stub(address):
    return admin_pb2_grpc.AdminServiceStub(grpc.insecure_channel(address))


def checkpoint(address, target_dir):
    return admin_stub(address).Checkpoint(admin_pb2.CheckpointRequest(target_dir=target_dir),
                                          timeout=60)


def restore_root(backup_dir, shards):
    """A fresh cluster folder whose databases are copies of the checkpoints."""
    root = tempfile.mkdtemp(prefix="loupe-restored-")
    for name in ["ingest", "query"] + [f"index-{i}" for i in range(shards)]:
        shutil.copytree(os.path.join(backup_dir, name), os.path.join(root, name), symlinks=True)
    return root


def all_ids(cluster):
    response = cluster.search(WORD, limit=1000)
    return response, [hit.id for hit in response.hits]


class BackupTest(unittest.TestCase):
    def assert_restored(self, restored, expected_ids):
        restored.wait_drained()
        response, ids = all_ids(restored)
        self.assertEqual(len(ids), len(set(ids)), "a document is found twice")
        self.assertEqual(response.total_hits, len(ids))
        missing = set(expected_ids) - set(ids)
        self.assertFalse(missing, f"{len(missing)} acknowledged documents not searchable, "
                                  f"e.g. {sorted(missing)[:5]}")
        for doc_id in expected_ids:
            got = restored.ingest_stub.Get(ingest_pb2.GetRequest(id=doc_id), timeout=10)
            self.assertEqual(got.document.id, doc_id)
        return ids

    def assert_new_writes_applied(self, restored, count=20):
        ids = [f"after-restore-{i}" for i in range(count)]
        restored.ingest([doc(i, "After the restore", f"afterrestore item {i}") for i in ids])
        hits = restored.wait_for_hits("afterrestore", expected=count)
        self.assertEqual(sorted(h.id for h in hits.hits), sorted(ids))
        restored.wait_drained()
        status = restored.ingest_stub.Status(ingest_pb2.IngestStatusRequest(), timeout=5)
        for shard in status.shards:
            self.assertEqual(shard.backlog, 0)
            self.assertEqual(shard.last_error, "")

    def test_backup_under_load_then_restore_into_a_fresh_cluster(self):
        with Cluster(shards=2) as live:
            first = [f"pre-{i}" for i in range(100)]
            for start in range(0, len(first), 25):
                live.ingest([make_doc(i) for i in first[start:start + 25]])
            loader = Loader(live, "load", limit=600)
            loader.start()
            live.wait_until(lambda: len(loader.acknowledged()) >= 60, "the loader to get going")
            acknowledged_before = first + loader.acknowledged()

            os.makedirs(os.path.join(live.root, "backups"))
            backup_dir = os.path.join(live.root, "backups", "b1")
            env = {k: v for k, v in os.environ.items() if not k.startswith("LOUPE_")}
            run = subprocess.run(
                [os.path.join(BIN, "loupe"), "backup", backup_dir,
                 f"--ingest={live.ingest_process.address}",
                 f"--query={live.query_process.address}"],
                capture_output=True, text=True, env=env, timeout=300)
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr + live.logs())
            self.assertIn("backup complete", run.stdout)
            time.sleep(0.3)  # The loader keeps writing after the backup too.
            loader.stopping.set()
            loader.join()
            self.assertGreater(len(loader.acknowledged()), len(acknowledged_before) - 100,
                               "the loader never ran during the backup")

            with open(os.path.join(backup_dir, "manifest.json")) as f:
                manifest = json.load(f)
            names = [c["name"] for c in manifest["components"]]
            self.assertEqual(names, ["ingest", "index-0", "index-1", "query"])
            self.assertEqual(manifest["shard_count"], 2)
            roles = [c["checkpoint"]["role"] for c in manifest["components"]]
            self.assertEqual(roles, ["SERVICE_ROLE_INGEST", "SERVICE_ROLE_INDEX",
                                     "SERVICE_ROLE_INDEX", "SERVICE_ROLE_QUERY"])
            ingest_seq = manifest["components"][0]["checkpoint"]["sequences"]
            for shard in range(2):
                index_seq = manifest["components"][1 + shard]["checkpoint"]["sequences"][0]
                self.assertGreaterEqual(int(index_seq["applied_sequence"]),
                                        int(ingest_seq[shard]["applied_sequence"]))
            root = restore_root(backup_dir, shards=2)

        try:
            with Cluster(shards=2, root=root) as restored:
                ids = self.assert_restored(restored, acknowledged_before)
                # Documents acknowledged between ingest's checkpoint and a
                # shard's may be in that shard only (README: Backups); never twice.
                self.assertTrue(set(ids) <= set(first + loader.acknowledged()))
                # An update of a restored document and new documents are applied.
                restored.ingest([make_doc("pre-0", "rewrittenword")])
                restored.wait_for_hits("rewrittenword", expected=1)
                self.assert_new_writes_applied(restored)
        finally:
            shutil.rmtree(root, ignore_errors=True)

    def test_shards_ahead_of_ingest_after_restore_do_not_skip_new_writes(self):
        """Deterministic version of the race above: documents acknowledged
        after ingest's checkpoint and before the shard's."""
        with Cluster(shards=1) as live:
            early = [f"early-{i}" for i in range(10)]
            live.ingest([make_doc(i) for i in early])
            live.wait_drained()
            backups = os.path.join(live.root, "backups")
            os.makedirs(os.path.join(backups, "b"))
            ingest_cp = checkpoint(live.ingest_process.address, f"{backups}/b/ingest")
            self.assertEqual(ingest_cp.role, admin_pb2.SERVICE_ROLE_INGEST)
            self.assertEqual(ingest_cp.sequences[0].last_sequence, 10)
            late = [f"late-{i}" for i in range(10)]
            live.ingest([make_doc(i, "latecomer") for i in late])
            live.wait_drained()
            index_cp = checkpoint(live.index[0].address, f"{backups}/b/index-0")
            self.assertEqual(index_cp.role, admin_pb2.SERVICE_ROLE_INDEX)
            self.assertEqual(index_cp.sequences[0].applied_sequence, 20)
            self.assertGreater(index_cp.bytes, 0)
            query_cp = checkpoint(live.query_process.address, f"{backups}/b/query")
            self.assertEqual(query_cp.role, admin_pb2.SERVICE_ROLE_QUERY)
            self.assertEqual(query_cp.shard_count, 1)
            root = restore_root(f"{backups}/b", shards=1)
        try:
            with Cluster(shards=1, root=root) as restored:
                self.assert_restored(restored, early)
                # The later documents are in the shard only: searchable, but
                # ingest (restored as of its checkpoint) does not hold them.
                restored.wait_for_hits("latecomer", expected=10)
                with self.assertRaises(grpc.RpcError) as raised:
                    restored.ingest_stub.Get(ingest_pb2.GetRequest(id="late-0"), timeout=5)
                self.assertEqual(raised.exception.code(), grpc.StatusCode.NOT_FOUND)
                # Without the reconciliation these would reuse sequences 11..15
                # and the shard would skip them.
                self.assert_new_writes_applied(restored, count=5)
                status = restored.ingest_stub.Status(ingest_pb2.IngestStatusRequest(), timeout=5)
                self.assertEqual(status.shards[0].last_sequence, 25)
        finally:
            shutil.rmtree(root, ignore_errors=True)

    def test_checkpoint_refuses_targets_outside_the_backup_root(self):
        with Cluster(shards=1) as live:
            backups = os.path.join(live.root, "backups")
            os.makedirs(backups)
            for address in [p.address for p in live.processes()]:
                stub = admin_stub(address)
                for bad in ["relative/x", "/tmp/loupe-outside-backup", f"{backups}/../escape",
                            backups, ""]:
                    with self.assertRaises(grpc.RpcError) as raised:
                        stub.Checkpoint(admin_pb2.CheckpointRequest(target_dir=bad), timeout=10)
                    self.assertEqual(raised.exception.code(), grpc.StatusCode.INVALID_ARGUMENT, bad)
                    self.assertEqual([f for f, _ in field_violations(raised.exception)],
                                     ["target_dir"], bad)
                with self.assertRaises(grpc.RpcError) as raised:
                    stub.Checkpoint(admin_pb2.CheckpointRequest(
                        target_dir=f"{backups}/no-such-parent/x"), timeout=10)
                self.assertEqual(raised.exception.code(), grpc.StatusCode.FAILED_PRECONDITION)
                self.assertIsNotNone(status_details(raised.exception))
                with self.assertRaises(grpc.RpcError) as raised:
                    stub.Checkpoint(admin_pb2.CheckpointRequest(target_dir=backups + "/"),
                                    timeout=10)
                self.assertEqual(raised.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
            os.makedirs(f"{backups}/taken")
            with self.assertRaises(grpc.RpcError) as raised:
                checkpoint(live.ingest_process.address, f"{backups}/taken")
            self.assertEqual(raised.exception.code(), grpc.StatusCode.ALREADY_EXISTS)
            self.assertFalse(os.path.exists("/tmp/loupe-outside-backup"))


if __name__ == "__main__":
    unittest.main()
