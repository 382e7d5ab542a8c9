#!/usr/bin/python3
"""The smallest useful Python client of Loupe, with stubs generated from
protos/ (the build writes them to build/release/gen_py):

    PYTHONPATH=build/release/gen_py tools/examples/python_client.py "réveil nvidia"
"""
import sys

import grpc
from loupe.v1 import query_pb2, query_pb2_grpc


def main():
    query = sys.argv[1] if len(sys.argv) > 1 else "réveil nvidia"
    with grpc.insecure_channel("localhost:50052") as channel:
        stub = query_pb2_grpc.QueryServiceStub(channel)
        try:
            response = stub.Search(query_pb2.SearchRequest(query=query, limit=5), timeout=5)
        except grpc.RpcError as error:
            print(f"search failed: {error.code().name}: {error.details()}", file=sys.stderr)
            return 1
        print(f"{response.total_hits} hits in {response.took.ToMilliseconds()} ms")
        for hit in response.hits:
            print(f"{hit.score:7.3f}  {hit.id}  {hit.title}")
            print(f"         {hit.snippet}")
        for missing in response.missing_shards:
            print(f"WARNING: shard {missing.shard} did not answer: {missing.error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
