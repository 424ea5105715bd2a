"""Firehose: Kinesis-to-S3 delivery against the physical floor, and DirectPut latency against peers.

Two measurements, in the same run:

1. **Delivery throughput**, in-process. Change records of the article (~400 bytes each) are put
   into a Kinesis stream after a Kinesis-sourced delivery stream was created with the article's
   configuration (GZIP, 1 MiB / 60 s, the Hive-style prefix); then ``Lakehose.flush()`` is timed:
   reading every shard, buffering, sealing, gzip and the S3 writes, exactly-once bookkeeping
   included. Once plain, once with the article's Lambda transform (append "\\n", a real Python
   worker). The baseline is the physical floor measured on the same bytes: cut into 1 MiB
   objects, gzip them (with the transform's "\\n" for the second case) and write each to a file
   with fsync, as the S3 engine stores objects. Printed as records/s and MiB/s (input bytes) with
   the floor's ratio.
2. **PutRecordBatch-to-object latency** through boto3 against ``lakehose up``, moto's server and
   ministack, each started here on a free loopback port, with the same delivery stream (DirectPut,
   GZIP, SizeInMBs 1, IntervalInSeconds 0): the time from sending a batch of 100 records until a
   new object is listed under the prefix, p50 / p90 over ``--iterations`` batches, and what each
   peer delivered (object count, whether objects are gzip, a sample key).

A peer that cannot start is reported as skipped. Run::

    pip install 'moto[server]'        # peer (not a lakehose dependency); ministack too, e.g.
    python -m venv /tmp/peers && /tmp/peers/bin/pip install ministack
    MINISTACK=/tmp/peers/bin/ministack python benchmarks/bench_firehose.py
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import peers

from lakehose import Lakehose
from lakehose.cli.heartrate import sample_change_record as change_record
from lakehose.services.kinesis import KinesisEngine

MIB = 1 << 20
ROLE = "arn:aws:iam::000000000000:role/firehose"
PREFIX = (
    "data/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/"
)
SOURCE_ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/heartrate-kinesis"
APPEND_NEWLINE = b"""
import base64

def handler(event, context):
    out = []
    for record in event["records"]:
        data = base64.b64encode(base64.b64decode(record["data"]) + b"\\n").decode()
        out.append({**record, "data": data, "result": "Ok"})
    return {"records": out}
"""


# -- 1. delivery throughput -------------------------------------------------------------------


def _zip_of(source: bytes) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def lakehose_delivery(home: Path, records: list[bytes], transform: bool) -> tuple[float, int]:
    """Seconds ``flush()`` takes to deliver ``records`` from Kinesis to S3; objects written."""
    with Lakehose(home=home, background=False) as lake:
        lake.client("s3").create_bucket(Bucket="lake")
        lake.client("kinesis").create_stream(StreamName="heartrate-kinesis", ShardCount=2)
        members: dict[str, Any] = {
            "RoleARN": ROLE,
            "BucketARN": "arn:aws:s3:::lake",
            "Prefix": PREFIX,
            "ErrorOutputPrefix": "errors/",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
            "CompressionFormat": "GZIP",
        }
        if transform:
            arn = lake.client("lambda").create_function(
                FunctionName="append-newline",
                Runtime="python3.12",
                Role="arn:aws:iam::000000000000:role/lambda",
                Handler="app.handler",
                Code={"ZipFile": _zip_of(APPEND_NEWLINE)},
            )["FunctionArn"]
            members["ProcessingConfiguration"] = {
                "Enabled": True,
                "Processors": [
                    {
                        "Type": "Lambda",
                        "Parameters": [{"ParameterName": "LambdaArn", "ParameterValue": arn}],
                    }
                ],
            }
        lake.client("firehose").create_delivery_stream(
            DeliveryStreamName="heartrate-firehose",
            DeliveryStreamType="KinesisStreamAsSource",
            KinesisStreamSourceConfiguration={
                "KinesisStreamARN": SOURCE_ARN,
                "RoleARN": ROLE,
            },
            ExtendedS3DestinationConfiguration=members,
        )
        kinesis = lake.engine("kinesis")
        assert isinstance(kinesis, KinesisEngine)
        for start in range(0, len(records), 500):
            batch = [
                {"PartitionKey": f"{start + i:032X}", "Data": data}
                for i, data in enumerate(records[start : start + 500])
            ]
            kinesis.put_records(stream_name="heartrate-kinesis", records=batch)
        began = time.perf_counter()
        lake.flush()
        elapsed = time.perf_counter() - began
        s3 = lake.engine("s3")
        keys = s3.list_keys("lake", "data/")  # type: ignore[attr-defined]
        delivered = sum(
            len(gzip.decompress(s3.get_object_bytes("lake", k.key)))  # type: ignore[attr-defined]
            for k in keys
        )
        expected = sum(len(r) for r in records) + (len(records) if transform else 0)
        assert delivered == expected, f"delivered {delivered} bytes of {expected}"
        return elapsed, len(keys)


def floor(directory: Path, records: list[bytes], transform: bool) -> float:
    """Seconds to cut the same bytes into 1 MiB objects, gzip them and write each with fsync."""
    directory.mkdir()
    began = time.perf_counter()
    chunk: list[bytes] = []
    size = 0
    written = 0

    def write() -> None:
        nonlocal chunk, size, written
        path = directory / f"object-{written}.gz"
        with path.open("wb") as file:
            file.write(gzip.compress(b"".join(chunk), compresslevel=6, mtime=0))
            file.flush()
            os.fsync(file.fileno())
        descriptor = os.open(directory, os.O_RDONLY)
        os.fsync(descriptor)
        os.close(descriptor)
        chunk, size, written = [], 0, written + 1

    for record in records:
        data = record + b"\n" if transform else record
        chunk.append(data)
        size += len(data)
        if size >= MIB:
            write()
    if chunk:
        write()
    return time.perf_counter() - began


# -- 2. PutRecordBatch-to-object latency ------------------------------------------------------


PEERS = {
    "lakehose": peers.Peer(peers.lakehose_command),
    "moto": peers.Peer(peers.moto_command),
    "ministack": peers.Peer(peers.ministack_command),
}


def probe(server: peers.Server) -> object:
    # Any cheap call shows the gateway answers; every peer here serves Kinesis too.
    return peers.client("kinesis", server.endpoint).list_streams()


def latency(server: peers.Server, iterations: int) -> dict[str, Any]:
    s3, firehose = peers.client("s3", server.endpoint), peers.client("firehose", server.endpoint)
    s3.create_bucket(Bucket="latency")
    firehose.create_delivery_stream(
        DeliveryStreamName="latency",
        DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE,
            "BucketARN": "arn:aws:s3:::latency",
            "Prefix": "data/",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0},
            "CompressionFormat": "GZIP",
        },
    )

    def count() -> int:
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket="latency", Prefix="data/")
        return sum(len(page.get("Contents", [])) for page in pages)

    samples: list[float] = []
    batch = [{"Data": change_record(n) + b"\n"} for n in range(100)]
    for _ in range(iterations):
        before = count()
        began = time.perf_counter()
        firehose.put_record_batch(DeliveryStreamName="latency", Records=batch)
        deadline = began + 30
        while count() <= before and time.perf_counter() < deadline:
            time.sleep(0.005)
        samples.append(time.perf_counter() - began)
        time.sleep(0.05)  # let a peer that writes one object per record finish the batch
    keys = [
        item["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket="latency", Prefix="data/")
        for item in page.get("Contents", [])
    ]
    sample = s3.get_object(Bucket="latency", Key=keys[0])["Body"].read() if keys else b""
    return {
        "p50 ms": 1000 * statistics.median(samples),
        "p90 ms": 1000 * statistics.quantiles(samples, n=10)[-1],
        "objects": len(keys),
        "gzip": sample[:2] == b"\x1f\x8b",
        "sample key": keys[0] if keys else "-",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=50_000, help="records to deliver")
    parser.add_argument("--iterations", type=int, default=20, help="latency samples per peer")
    arguments = parser.parse_args()
    records = [change_record(n) for n in range(arguments.records)]
    mib = sum(len(r) for r in records) / MIB
    with tempfile.TemporaryDirectory(prefix="bench-firehose-") as temporary:
        home = Path(temporary)
        print(f"delivery of {len(records)} change records ({mib:.1f} MiB), Kinesis to S3, GZIP:")
        print(f"{'':<22}{'records/s':>12}{'MiB/s':>10}{'objects':>9}{'floor':>10}{'x floor':>9}")
        for label, transform in (("plain", False), ("Lambda transform", True)):
            seconds, objects = lakehose_delivery(home / f"lh-{transform}", records, transform)
            base = floor(home / f"floor-{transform}", records, transform)
            print(
                f"{label:<22}{len(records) / seconds:>12.0f}{mib / seconds:>10.2f}{objects:>9}"
                f"{len(records) / base:>10.0f}{seconds / base:>9.1f}"
            )
        print("(floor: records/s of gzip + fsync'd writes of the same bytes; x floor: time ratio)")
        print(f"\nPutRecordBatch (100 records) to a listed object, {arguments.iterations} batches:")
        for name, peer in PEERS.items():
            with peers.running(name, peer, home, probe) as server:
                if isinstance(server, str):
                    print(f"  {name:<10} {server}")
                    continue
                result = latency(server, arguments.iterations)
                print(
                    f"  {name:<10} p50 {result['p50 ms']:7.1f} ms  p90 {result['p90 ms']:7.1f} ms"
                    f"  objects {result['objects']:>5}  gzip {result['gzip']!s:<5}"
                    f"  e.g. {result['sample key']}"
                )


if __name__ == "__main__":
    main()
