#!/usr/bin/python3
"""Relevance evaluation of Loupe through a real cluster.

For each collection folder (corpus.jsonl.gz, queries.jsonl, qrels.tsv; see
../shared/data/SOURCES.md) this starts a fresh 2-shard cluster on free loopback
ports (tests/integration/cluster.py), ingests the corpus with `loupe ingest`,
waits until every shard has applied it, runs `loupe-eval` and prints a table.

    tests/eval/run_eval.py ../shared/data/beir-scifact ../shared/data/cranfield
    tests/eval/run_eval.py --orangesum ../shared/data/orangesum-fr   # French known-item
    tests/eval/run_eval.py --check --data ../shared/data             # the ctest: floors

--orangesum builds a known-item set at run time (nothing is written to the
repository): 2,000 articles drawn with random.Random(2000) from the articles
that have a non-empty title and abstract, in corpus order; each article's
abstract, and separately its title, is a query whose one relevant document is
the article itself. The whole corpus (33,684 articles) is indexed.

--check runs the collections named in FLOORS, compares nDCG@10 (MRR@10 for
OrangeSum) with the floor, and exits 1 below it; when the data folder is absent
it says so and exits 77 (ctest SKIP_RETURN_CODE).

Environment: LOUPE_BIN (binaries, default build/release/bin) and LOUPE_GEN_PY
(generated Python modules), as for the integration tests. LOUPE_EVAL_LANG_FR=fr
makes loupe-eval send --lang=fr with the OrangeSum queries (SearchRequest.lang).
"""
import argparse
import contextlib
import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import cluster as cluster_lib  # noqa: E402

SKIP = 77

# The query service of the eval cluster accepts long queries: CISI has queries
# of up to 334 words (181 distinct) and OrangeSum abstracts are long, while the
# default --max_clauses is 64 (512 is its largest value). Nothing else
# differs from a default cluster.
QUERY_ARGS = ["--max_clauses=512"]

# nDCG@10 floors of the `eval` ctest, per collection folder name: our figure
# with the stemming / stop-word analyser (commit 4cb9171) minus a margin of
# 0.005. Every one of them is still BELOW its target, so the floor is our
# current figure (the rule "never below the published baseline" cannot hold
# yet); the target is in the comment. Raise a floor whenever ranking improves.
FLOORS = {
    # Measured 0.6243. Target: BEIR BM25 0.665, Anserini flat 0.679; peers' best 0.692.
    "beir-scifact": 0.619,
    # Measured 0.3596. Target: the peers' Lucene 0.366 (no published figure).
    "cranfield": 0.355,
    # Measured 0.2895. Target: the peers' Lucene 0.314 (no published figure).
    "cisi": 0.285,
}
# MRR@10 floors for the OrangeSum known-item sets (slow test only).
# abstract: measured 0.6061 at 35bdc69 (1,999 of 2,000 queries answered). title: not
# measured yet (the first run stopped on a late shard); set it from the first full run.
ORANGESUM_FLOORS = {"abstract": 0.601, "title": 0.0}

ORANGESUM_SAMPLE = 2000
# Run depth for known-item sets: MRR@10 and Recall@10 need no more, and 1,000
# hits with snippets for 2,000 long queries takes many minutes here.
KNOWN_ITEM_LIMIT = 100
# Longest wait for the shards to apply an ingested corpus.
DRAIN_TIMEOUT_S = 1800
ORANGESUM_SEED = 2000


@contextlib.contextmanager
def fresh_cluster():
    """A 2-shard cluster; also stopped when starting it fails half-way."""
    cluster = cluster_lib.Cluster(shards=2, extra_query_args=QUERY_ARGS)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.close()


def count_indexable(corpus_path):
    """Documents that loupe-ingest accepts: those with a non-blank text."""
    with gzip.open(corpus_path, "rt", encoding="utf-8") as f:
        return sum(1 for line in f if line.strip() and json.loads(line).get("text", "").strip())


def load_cluster(cluster, corpus_path):
    """Ingests a corpus and waits until every shard has applied it; returns (docs, seconds)."""
    expected = count_indexable(corpus_path)
    start = time.time()
    ingest = subprocess.run(
        [os.path.join(cluster_lib.BIN, "loupe"), "ingest", "--skip_bad_lines",
         f"--ingest={cluster.ingest_process.address}", corpus_path],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if ingest.returncode != 0:
        raise RuntimeError(f"loupe ingest failed ({ingest.returncode}):\n{ingest.stdout[-3000:]}")
    # cluster.wait_drained() allows 30 s; a large corpus takes minutes to ship.
    def drained():
        status = cluster.ingest_stub.Status(cluster_lib.ingest_pb2.IngestStatusRequest(), timeout=5)
        return all(s.backlog == 0 for s in status.shards)
    cluster.wait_until(drained, "an empty shipping backlog", timeout=DRAIN_TIMEOUT_S)

    def all_applied():
        info = cluster.query_stub.ClusterInfo(cluster_lib.query_pb2.ClusterInfoRequest(), timeout=5)
        return info.document_count >= expected
    cluster.wait_until(all_applied, f"{expected} documents in the shards", timeout=DRAIN_TIMEOUT_S)
    return expected, time.time() - start


def run_loupe_eval(cluster, queries, qrels, run_out, lang=None, limit=1000):
    args = [os.path.join(cluster_lib.BIN, "loupe-eval"), f"--query={cluster.query_process.address}",
            f"--queries={queries}", f"--qrels={qrels}", f"--run_out={run_out}", "--json",
            f"--limit={limit}"]
    if lang:
        args.append(f"--lang={lang}")
    result = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"loupe-eval failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def evaluate_collection(folder, work):
    """[(name, metrics)] for one judged collection, on a fresh cluster."""
    name = os.path.basename(os.path.normpath(folder))
    with fresh_cluster() as cluster:
        docs, seconds = load_cluster(cluster, os.path.join(folder, "corpus.jsonl.gz"))
        metrics = run_loupe_eval(cluster, os.path.join(folder, "queries.jsonl"),
                                 os.path.join(folder, "qrels.tsv"),
                                 os.path.join(work, f"{name}.run"))
    metrics.update(docs=docs, ingest_s=seconds)
    return [(name, metrics)]


def build_orangesum_sets(corpus_path, work):
    """Writes the known-item queries and qrels; returns {set name: queries path}, qrels path."""
    articles = []
    with gzip.open(corpus_path, "rt", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            if (record.get("title") or "").strip() and (record.get("abstract") or "").strip() \
                    and (record.get("text") or "").strip():
                articles.append(record)
    sample = random.Random(ORANGESUM_SEED).sample(articles, ORANGESUM_SAMPLE)
    qrels = os.path.join(work, "orangesum.qrels.tsv")
    with open(qrels, "w", encoding="utf-8") as f:
        for record in sample:
            f.write(f"{record['id']}\t{record['id']}\t1\n")
    paths = {}
    for field in ("abstract", "title"):
        paths[field] = os.path.join(work, f"orangesum-{field}.queries.jsonl")
        with open(paths[field], "w", encoding="utf-8") as f:
            for record in sample:
                f.write(json.dumps({"id": record["id"], "text": record[field]},
                                   ensure_ascii=False) + "\n")
    return paths, qrels


def evaluate_orangesum(folder, work):
    corpus = os.path.join(folder, "corpus.jsonl.gz")
    query_sets, qrels = build_orangesum_sets(corpus, work)
    results = []
    with fresh_cluster() as cluster:
        docs, seconds = load_cluster(cluster, corpus)
        for field, queries in query_sets.items():
            metrics = run_loupe_eval(cluster, queries, qrels,
                                     os.path.join(work, f"orangesum-{field}.run"),
                                     lang=os.environ.get("LOUPE_EVAL_LANG_FR"),
                                     limit=KNOWN_ITEM_LIMIT)
            metrics.update(docs=docs, ingest_s=seconds)
            results.append((f"orangesum-fr/{field}", metrics))
    return results


def print_table(results):
    header = (f"{'collection':24s} {'docs':>6s} {'ingest s':>8s} {'queries':>7s} "
              f"{'nDCG@10':>7s} {'R@100':>6s} {'MAP':>6s} {'MRR@10':>6s} {'R@10':>6s} {'q/s':>6s}")
    print(header)
    print("-" * len(header))
    for name, m in results:
        print(f"{name:24s} {m['docs']:6d} {m['ingest_s']:8.1f} {m['queries_evaluated']:7d} "
              f"{m['ndcg@10']:7.4f} {m['recall@100']:6.4f} {m['map']:6.4f} {m['mrr@10']:6.4f} "
              f"{m['recall@10']:6.4f} {m['qps']:6.1f}")
    sys.stdout.flush()


def check_floors(results):
    failures = []
    for name, m in results:
        if name.startswith("orangesum-fr/"):
            field = name.split("/", 1)[1]
            measure, floor = "mrr@10", ORANGESUM_FLOORS[field]
        else:
            measure, floor = "ndcg@10", FLOORS[name]
        verdict = "ok" if m[measure] >= floor else "BELOW FLOOR"
        print(f"{name}: {measure} {m[measure]:.4f} (floor {floor:.4f}) {verdict}")
        if m[measure] < floor:
            failures.append(name)
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("collections", nargs="*", help="collection folders")
    parser.add_argument("--orangesum", action="store_true",
                        help="the folders are OrangeSum: run the French known-item sets")
    parser.add_argument("--check", action="store_true",
                        help="run the floor collections from --data and fail below a floor")
    parser.add_argument("--data", default=os.path.join(HERE, "..", "..", "..", "shared", "data"),
                        help="shared data folder for --check (default ../shared/data)")
    parser.add_argument("--keep", help="keep run files and generated sets in this folder")
    args = parser.parse_args()

    folders = list(args.collections)
    if args.check and not folders:
        if not os.path.isdir(args.data):
            print(f"SKIPPED: {os.path.abspath(args.data)} is absent; the relevance evaluation "
                  "did not run")
            return SKIP
        names = ["orangesum-fr"] if args.orangesum else list(FLOORS)
        folders = [os.path.join(args.data, n) for n in names]
    if not folders:
        parser.error("give collection folders, or --check")
    for folder in folders:
        if not os.path.isdir(folder):
            print(f"SKIPPED: {os.path.abspath(folder)} is absent; the relevance evaluation "
                  "did not run")
            return SKIP

    work = args.keep or tempfile.mkdtemp(prefix="loupe-eval-")
    os.makedirs(work, exist_ok=True)
    results = []
    for folder in folders:
        evaluate = evaluate_orangesum if args.orangesum else evaluate_collection
        results += evaluate(folder, work)
    print_table(results)
    if args.keep:
        print(f"run files in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    if args.check:
        failures = check_floors(results)
        if failures:
            print(f"FAILED: below the floor: {', '.join(failures)}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
