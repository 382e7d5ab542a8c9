#!/usr/bin/python3
"""Leave-one-collection-out choice of ranking settings from `run_eval.py --sweep` output.

The judged collections have test queries only, so a setting must never be
chosen on the queries it is reported on. For each held-out collection this
picks the (setting, query language) with the best mean nDCG@10 over the OTHER
collections, and reports that choice's nDCG@10 on the held-out one, beside the
held-out collection's own best (its oracle, which is NOT a fair figure).

    tools/eval/loco.py sweep1.jsonl sweep2.jsonl [--langs=default] [--table]

--langs keeps only those query languages (comma-separated, as in the sweep);
--table also prints every setting's nDCG@10 per collection (markdown).
"""
import argparse
import collections
import json
import sys


def load(paths, langs):
    """{(setting, lang): {collection: ndcg@10}}; the last measurement of a key wins."""
    table = collections.defaultdict(dict)
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                record = json.loads(line)
                if langs and record["lang"] not in langs:
                    continue
                table[(record["setting"], record["lang"])][record["collection"]] = record["ndcg@10"]
    return table


def mean(values):
    return sum(values) / len(values)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sweeps", nargs="+", help="JSON Lines files written by --sweep_out")
    parser.add_argument("--langs", default="", help="keep only these query languages")
    parser.add_argument("--table", action="store_true", help="print every setting too")
    args = parser.parse_args()
    table = load(args.sweeps, set(filter(None, args.langs.split(","))))
    names = sorted({c for scores in table.values() for c in scores})
    # Only settings measured on every collection can be compared.
    table = {key: scores for key, scores in table.items() if len(scores) == len(names)}
    if len(names) < 2 or not table:
        print("need settings measured on at least two collections", file=sys.stderr)
        return 1

    if args.table:
        print("| setting | lang | " + " | ".join(names) + " | mean |")
        print("|---|---|" + "---:|" * (len(names) + 1))
        for (setting, lang), scores in sorted(table.items()):
            cells = " | ".join(f"{scores[n]:.4f}" for n in names)
            print(f"| {setting} | {lang} | {cells} | {mean(list(scores.values())):.4f} |")
        print()

    print("| held out | chosen on the others (mean nDCG@10 there) | held-out nDCG@10 | "
          "held-out oracle (not fair) |")
    print("|---|---|---:|---:|")
    for held_out in names:
        others = [n for n in names if n != held_out]
        chosen = max(table, key=lambda key: (mean([table[key][n] for n in others]), key))
        oracle = max(table, key=lambda key: (table[key][held_out], key))
        print(f"| {held_out} | {chosen[0]} lang={chosen[1]} "
              f"({mean([table[chosen][n] for n in others]):.4f}) | "
              f"{table[chosen][held_out]:.4f} | {table[oracle][held_out]:.4f} "
              f"({oracle[0]} lang={oracle[1]}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
