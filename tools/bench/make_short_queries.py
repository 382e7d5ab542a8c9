#!/usr/bin/env python3
"""Derive a deterministic set of short, headline-like queries (2-6 words) from a corpus.

  make_short_queries.py CORPUS_DIR OUT.jsonl [--count 200] [--max-docs 50000]

Reads the titles of the first --max-docs documents of CORPUS_DIR/corpus.jsonl.gz (or
corpus.jsonl), keeps the distinct titles of 2 to 6 words (whitespace-separated, with at
least two words of 3+ letters, none longer than 30 characters), orders them by the SHA-1
of the title (a fixed pseudo-random order, so the sample is spread over the corpus and
the same on every machine) and writes the first --count as JSON Lines {"id", "text"}
(ids s001, s002, ...), the format loupe-bench --queries and ../shared/peers read.
Standard library only. Same inputs, same file, byte for byte.
"""
import argparse
import gzip
import hashlib
import json
import os
import re
import sys

WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)


def open_corpus(corpus_dir):
    for name in ("corpus.jsonl.gz", "corpus.jsonl"):
        path = os.path.join(corpus_dir, name)
        if os.path.exists(path):
            return gzip.open(path, "rt", encoding="utf-8") if name.endswith(".gz") else \
                open(path, encoding="utf-8")
    sys.exit(f"make_short_queries: no corpus.jsonl(.gz) in {corpus_dir}")


def is_short_query(title):
    words = title.split()
    if not 2 <= len(words) <= 6 or any(len(w) > 30 for w in words):
        return False
    return sum(1 for w in words if WORD.fullmatch(w.strip("()\",.:;'"))) >= 2


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus_dir")
    parser.add_argument("out")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--max-docs", type=int, default=50000)
    args = parser.parse_args()

    titles = set()
    with open_corpus(args.corpus_dir) as corpus:
        for i, line in enumerate(corpus):
            if i >= args.max_docs:
                break
            if not line.strip():
                continue
            title = " ".join(str(json.loads(line).get("title") or "").split())
            if is_short_query(title):
                titles.add(title)
    ordered = sorted(titles, key=lambda t: (hashlib.sha1(t.encode("utf-8")).hexdigest(), t))
    chosen = ordered[:args.count]
    if len(chosen) < args.count:
        print(f"make_short_queries: only {len(chosen)} titles qualify", file=sys.stderr)
    with open(args.out, "w", encoding="utf-8") as out:
        for n, title in enumerate(chosen, 1):
            out.write(json.dumps({"id": f"s{n:03d}", "text": title}, ensure_ascii=False) + "\n")
    print(f"{len(chosen)} queries from {len(titles)} qualifying titles -> {args.out}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
