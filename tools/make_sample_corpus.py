#!/usr/bin/env python3
"""Builds deploy/local/sample-corpus/news-sample.jsonl.gz from ../shared/data.

The sample is what the README's first command loads: French news articles
from OrangeSum (CC BY-SA 4.0) and English Wikipedia passages (CC BY-SA 3.0),
both free to redistribute with attribution (see ATTRIBUTION.md beside it).
Deterministic: the same input gives the same file.

Usage: tools/make_sample_corpus.py [--shared ../shared] [--per_source 300]
"""
import argparse
import gzip
import json
import os


def pick_orangesum(path, count):
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    step = max(1, len(rows) // count)
    for row in rows[::step][:count]:
        yield {
            "id": "orangesum-" + row["id"],
            "title": row["title"],
            "text": row["text"],
            "date": row.get("date", ""),
            "source": "orange-actu",
            "lang": "fr",
        }


def pick_wikipedia(path, count):
    """The first passage of every Nth article, so the topics vary."""
    firsts = []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if row["id"].endswith("-0"):
                firsts.append(row)
    step = max(1, len(firsts) // count)
    for row in firsts[::step][:count]:
        yield {
            "id": "wiki-" + row["id"],
            "title": row["title"],
            "text": row["text"],
            "url": row.get("url", ""),
            "source": "wikipedia",
            "lang": "en",
        }


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", default=os.path.join(here, "..", "..", "shared"))
    parser.add_argument("--per_source", type=int, default=300)
    parser.add_argument("--out", default=os.path.join(
        here, "..", "deploy", "local", "sample-corpus", "news-sample.jsonl.gz"))
    args = parser.parse_args()
    data = os.path.join(args.shared, "data")
    docs = list(pick_orangesum(os.path.join(data, "orangesum-fr", "corpus.jsonl.gz"), args.per_source))
    docs += list(pick_wikipedia(os.path.join(data, "wikipedia-en-passages", "corpus.jsonl.gz"),
                                args.per_source))
    with gzip.GzipFile(args.out, "wb", mtime=0) as raw:
        for doc in docs:
            raw.write((json.dumps(doc, ensure_ascii=False) + "\n").encode("utf-8"))
    print(f"wrote {len(docs)} documents to {args.out}")


if __name__ == "__main__":
    main()
