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

--query_lang=L sends SearchRequest.lang=L with every query ("default": send
none, so loupe-query uses its --query_languages); without it each collection
uses QUERY_LANG below. --doc_lang=L gives every document language L (the corpus
is rewritten to a temporary file), e.g. `--orangesum --doc_lang=und
--query_lang=und` measures OrangeSum without French stemming, stop words and
elision. --index_args passes extra flags to every loupe-index (for instance
"--bm25_k1=1.2 --bm25_b=0.75"). --title_in_body indexes "title\ntext" as the
body and no title: the peers' one-field setup, to measure what combining the
fields before BM25 saturation (BM25F) would be worth.

--sweep measures a grid of ranking settings on ONE ingestion per collection:
scoring happens at query time, so only the index shards (and loupe-query) are
restarted, on the same data, with each setting's flags; every setting is run
with every language of --sweep_langs. nDCG@10 only needs depth 10, so a sweep
runs at depth 100. An axis named query:FLAG is a loupe-query flag (its
setting reads "query:--FLAG=V"); the others are loupe-index flags. A process
is restarted only when its flags change.

    tests/eval/run_eval.py --sweep "bm25_k1=0.9,1.2 bm25_b=0.4,0.75 title_weight=0,1,2,3" \
        --sweep_langs=en,default --sweep_out=sweep.jsonl ../shared/data/cranfield
    tests/eval/run_eval.py --sweep "query:proximity_boost=0,0.1,0.2" ../shared/data/cisi

--query_args passes extra flags to loupe-query (after QUERY_ARGS), e.g.
"--proximity_boost=0.2".

Environment: LOUPE_BIN (binaries, default build/release/bin) and LOUPE_GEN_PY
(generated Python modules), as for the integration tests.
"""
import argparse
import contextlib
import gzip
import itertools
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
# with the ranking defaults (loupe-index k1 1.2, b 0.75, title 0.5, body 1;
# loupe-query --proximity_boost=0.2 --proximity_body_only
# --repeated_words_add_up; README "Relevance") minus a margin of 0.005. The
# query-side settings were swept on all three collections; leave-one-
# collection-out (each held-out collection gets the setting best on the other
# two) gives SciFact 0.6960, Cranfield 0.3842, CISI 0.3451 (CISI's held-out
# choice has no --repeated_words_add_up). Each default figure is above the
# published BM25 figures and the peers. Raise a floor when ranking improves.
FLOORS = {
    # Measured 0.6960 (0.6888 without the query-side settings). BEIR BM25 0.665,
    # Anserini flat 0.679; peers' best Xapian 0.692.
    "beir-scifact": 0.6910,
    # Measured 0.3842 (0.3798 without). Peers' best Lucene 0.366 (no published figure).
    "cranfield": 0.3792,
    # Measured 0.3807 (0.3387 without). Peers' best Lucene and SQLite 0.314 (no
    # published figure).
    "cisi": 0.3757,
}
# MRR@10 floors for the OrangeSum known-item sets (slow test only; French
# analysis: documents fr, SearchRequest.lang fr), measured with the defaults
# above minus 0.01: abstract 0.6916 (Recall@10 0.8290), title 0.9691 (Recall@10
# 0.9950). Without French analysis (--doc_lang=und --query_lang=und): abstract
# 0.6934, title 0.9769 (README "Relevance").
ORANGESUM_FLOORS = {"abstract": 0.681, "title": 0.959}

ORANGESUM_SAMPLE = 2000
# Run depth for known-item sets: MRR@10 and Recall@10 need no more, and 1,000
# hits with snippets for 2,000 long queries takes many minutes here.
KNOWN_ITEM_LIMIT = 100
# Longest wait for the shards to apply an ingested corpus.
DRAIN_TIMEOUT_S = 1800
ORANGESUM_SEED = 2000


# SearchRequest.lang sent with each collection's queries when --query_lang is
# not given; a collection not listed sends none (loupe-query's --query_languages
# decide). A client that knows its collection's language says so.
QUERY_LANG = {"orangesum-fr": "fr"}


class EvalCluster(cluster_lib.Cluster):
    """A Cluster whose index shards get extra flags, and can be restarted with others."""

    def __init__(self, index_args=(), **kwargs):
        super().__init__(**kwargs)
        self.extra_index_args = list(index_args)
        self.sweep_query_args = []

    def index_args(self, shard, port):
        return super().index_args(shard, port) + self.extra_index_args

    def restart_index(self, index_args):
        """Restarts every shard on its data with `index_args` instead of the previous extras."""
        for process in self.index:
            base = process.args[:len(process.args) - len(self.extra_index_args) - 1]
            metrics = process.args[-1]  # --metrics_listen, appended last by Process
            process.stop()
            process.args = base + list(index_args) + [metrics]
        self.extra_index_args = list(index_args)
        for process in self.index:
            self.restart(process)

    def restart_query(self, query_args):
        """Restarts loupe-query with `query_args` instead of the previous sweep extras."""
        process = self.query_process
        base = process.args[:len(process.args) - len(self.sweep_query_args) - 1]
        metrics = process.args[-1]  # --metrics_listen, appended last by Process
        process.stop()
        process.args = base + list(query_args) + [metrics]
        self.sweep_query_args = list(query_args)
        self.restart(process)


@contextlib.contextmanager
def fresh_cluster(index_args=(), query_args=()):
    """A 2-shard cluster; also stopped when starting it fails half-way."""
    cluster = EvalCluster(index_args=index_args, shards=2,
                          extra_query_args=QUERY_ARGS + list(query_args))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.close()


def count_indexable(corpus_path):
    """Documents that loupe-ingest accepts: those with a non-blank text."""
    with gzip.open(corpus_path, "rt", encoding="utf-8") as f:
        return sum(1 for line in f if line.strip() and json.loads(line).get("text", "").strip())


def rewrite_corpus(corpus_path, work, lang="", title_in_body=False):
    """The corpus itself, or a copy in `work` where every document has `lang` and/or (with
    `title_in_body`) an empty title and a body "title\ntext": the peers' one-field setup."""
    if not lang and not title_in_body:
        return corpus_path
    name = os.path.basename(os.path.dirname(os.path.abspath(corpus_path)))
    out = os.path.join(work, f"{name}.lang-{lang or 'any'}.{int(title_in_body)}.jsonl.gz")
    with gzip.open(corpus_path, "rt", encoding="utf-8") as src, \
            gzip.open(out, "wt", encoding="utf-8", compresslevel=1) as dst:
        for line in src:
            if line.strip():
                record = json.loads(line)
                if lang:
                    record["lang"] = lang
                if title_in_body and (record.get("text") or "").strip():
                    record["text"] = f"{record.get('title') or ''}\n{record['text']}"
                    record["title"] = ""
                dst.write(json.dumps(record, ensure_ascii=False) + "\n")
    return out


def wait_all_applied(cluster, expected):
    def all_applied():
        info = cluster.query_stub.ClusterInfo(cluster_lib.query_pb2.ClusterInfoRequest(), timeout=5)
        return info.document_count >= expected
    cluster.wait_until(all_applied, f"{expected} documents in the shards", timeout=DRAIN_TIMEOUT_S)


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
    wait_all_applied(cluster, expected)
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


def query_lang_for(name, options):
    """SearchRequest.lang for a collection's queries: "" sends none."""
    lang = options.query_lang if options.query_lang is not None else QUERY_LANG.get(name, "")
    return "" if lang == "default" else lang


def evaluate_collection(folder, work, options):
    """[(name, metrics)] for one judged collection, on a fresh cluster."""
    name = os.path.basename(os.path.normpath(folder))
    corpus = rewrite_corpus(os.path.join(folder, "corpus.jsonl.gz"), work, options.doc_lang,
                            options.title_in_body)
    with fresh_cluster(options.index_args.split(), options.query_args.split()) as cluster:
        docs, seconds = load_cluster(cluster, corpus)
        metrics = run_loupe_eval(cluster, os.path.join(folder, "queries.jsonl"),
                                 os.path.join(folder, "qrels.tsv"),
                                 os.path.join(work, f"{name}.run"),
                                 lang=query_lang_for(name, options))
    metrics.update(docs=docs, ingest_s=seconds)
    return [(name, metrics)]


QUERY_AXIS = "query:"


def parse_grid(spec):
    """"bm25_k1=0.9,1.2 query:proximity_boost=0,0.2" ->
    [["--bm25_k1=0.9", "query:--proximity_boost=0"], ...]: loupe-query flags keep the prefix."""
    axes = []
    for item in spec.split():
        flag, _, values = item.partition("=")
        if not values:
            raise SystemExit(f"--sweep: {item!r} is not FLAG=V1,V2,...")
        target = QUERY_AXIS if flag.startswith(QUERY_AXIS) else ""
        name = flag[len(target):].lstrip("-")
        axes.append([f"{target}--{name}={v}" for v in values.split(",")])
    return [list(combo) for combo in itertools.product(*axes)]


def split_setting(setting):
    """(loupe-index flags, loupe-query flags) of one parse_grid setting."""
    index = [flag for flag in setting if not flag.startswith(QUERY_AXIS)]
    query = [flag[len(QUERY_AXIS):] for flag in setting if flag.startswith(QUERY_AXIS)]
    return index, query


def sweep_collection(folder, work, options):
    """nDCG@10 of every grid setting x language, on one ingestion; returns [record]."""
    name = os.path.basename(os.path.normpath(folder))
    corpus = rewrite_corpus(os.path.join(folder, "corpus.jsonl.gz"), work, options.doc_lang,
                            options.title_in_body)
    base = options.index_args.split()
    records = []
    with fresh_cluster(base, options.query_args.split()) as cluster:
        docs, _ = load_cluster(cluster, corpus)
        for setting in parse_grid(options.sweep):
            index_args, query_args = split_setting(setting)
            if base + index_args != cluster.extra_index_args:
                cluster.restart_index(base + index_args)
            if query_args != cluster.sweep_query_args:
                cluster.restart_query(query_args)
            wait_all_applied(cluster, docs)
            for lang in options.sweep_langs.split(","):
                metrics = run_loupe_eval(cluster, os.path.join(folder, "queries.jsonl"),
                                         os.path.join(folder, "qrels.tsv"),
                                         os.path.join(work, f"{name}.sweep.run"),
                                         lang="" if lang == "default" else lang, limit=100)
                record = {"collection": name, "setting": " ".join(setting), "lang": lang,
                          "ndcg@10": metrics["ndcg@10"], "mrr@10": metrics["mrr@10"],
                          "recall@10": metrics["recall@10"]}
                print(f"{name:14s} {record['setting']:60s} lang={lang:8s} "
                      f"nDCG@10 {record['ndcg@10']:.4f}")
                sys.stdout.flush()
                records.append(record)
                if options.sweep_out:
                    with open(options.sweep_out, "a", encoding="utf-8") as f:
                        f.write(json.dumps(record) + "\n")
    return records


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


def evaluate_orangesum(folder, work, options):
    corpus = os.path.join(folder, "corpus.jsonl.gz")
    query_sets, qrels = build_orangesum_sets(corpus, work)
    corpus = rewrite_corpus(corpus, work, options.doc_lang, options.title_in_body)
    results = []
    with fresh_cluster(options.index_args.split(), options.query_args.split()) as cluster:
        docs, seconds = load_cluster(cluster, corpus)
        for field, queries in query_sets.items():
            metrics = run_loupe_eval(cluster, queries, qrels,
                                     os.path.join(work, f"orangesum-{field}.run"),
                                     lang=query_lang_for("orangesum-fr", options),
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
    parser.add_argument("--query_lang", default=None,
                        help='SearchRequest.lang of every query ("default": none; unset: '
                             'QUERY_LANG per collection)')
    parser.add_argument("--doc_lang", default="",
                        help="give every document this language (e.g. und: no analysis)")
    parser.add_argument("--title_in_body", action="store_true",
                        help="experiment: index each title inside the body (one field, as the "
                             "peers do) instead of as the title field")
    parser.add_argument("--index_args", default="", help="extra flags for every loupe-index")
    parser.add_argument("--query_args", default="",
                        help="extra flags for loupe-query (after QUERY_ARGS)")
    parser.add_argument("--sweep", help='grid of loupe-index flags (and query:FLAG loupe-query '
                                        'flags), "FLAG=V1,V2 query:FLAG=V1,V2"')
    parser.add_argument("--sweep_langs", default="default",
                        help="comma-separated query languages for --sweep (default: none sent)")
    parser.add_argument("--sweep_out", help="append one JSON line per sweep measurement here")
    args = parser.parse_args()
    if args.check and (args.query_lang is not None or args.doc_lang or args.index_args
                       or args.query_args or args.title_in_body or args.sweep):
        parser.error("--check measures the defaults: no --query_lang, --doc_lang, "
                     "--index_args, --query_args, --title_in_body or --sweep with it")
    if args.sweep and args.orangesum:
        parser.error("--sweep needs judged collections (queries.jsonl, qrels.tsv), not --orangesum")

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
    if args.sweep:
        for folder in folders:
            sweep_collection(folder, work, args)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        return 0
    results = []
    for folder in folders:
        evaluate = evaluate_orangesum if args.orangesum else evaluate_collection
        results += evaluate(folder, work, args)
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
