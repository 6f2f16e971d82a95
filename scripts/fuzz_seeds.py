#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets from fixtures/ (called by
scripts/fuzz.sh; the seeds are not committed).

    python3 scripts/fuzz_seeds.py OUT_DIR

OUT_DIR/decode:     Lambda events, their gzip payloads and decoded JSON.
OUT_DIR/delivery:   decoded subscription JSON: the fixtures' deliveries, and
                    one delivery of at most 12 events per corpus stack; the
                    exported log as text (one event per line).
OUT_DIR/parse_line: one seed per message: 0x80, the log group, '\\n', the
                    message (the target's own framing).
"""
import base64
import glob
import gzip
import hashlib
import json
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")


def write(out, kind, data):
    d = os.path.join(out, kind)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def events_of_lambda(event_bytes):
    """The gzip payload and decoded JSON of a Lambda event."""
    ev = json.loads(event_bytes)
    gz = base64.b64decode(ev["awslogs"]["data"])
    return gz, gzip.decompress(gz)


def main(out):
    deliveries = []  # decoded subscription JSON, as bytes
    events = []
    for path in sorted(glob.glob(os.path.join(ROOT, "deliveries", "*"))):
        with open(path, "rb") as f:
            raw = f.read()
        chunks = raw.splitlines() if path.endswith(".ndjson") else [raw]
        for chunk in chunks:
            if chunk.strip():
                events.append(chunk.strip())
    for ev in events:
        gz, decoded = events_of_lambda(ev)
        write(out, "decode", ev)
        write(out, "decode", gz)
        write(out, "decode", decoded)
        deliveries.append(decoded)
    for path in sorted(glob.glob(os.path.join(ROOT, "gzip", "*.gz"))):
        with open(path, "rb") as f:
            write(out, "decode", f.read())
    for path in sorted(glob.glob(os.path.join(ROOT, "decoded", "*.json"))):
        with open(path, "rb") as f:
            decoded = f.read()
        write(out, "decode", decoded)
        deliveries.append(decoded)
    for path in sorted(glob.glob(os.path.join(ROOT, "kinesis", "*.json"))):
        with open(path, "rb") as f:
            doc = json.load(f)
        for rec in doc.get("Records", []) + doc.get("records", []):
            data = rec.get("kinesis", {}).get("data") or rec.get("data")
            if data:
                gz = base64.b64decode(data)
                write(out, "decode", gz)
                deliveries.append(gzip.decompress(gz))

    messages = []  # (log group, message)
    for d in deliveries:
        write(out, "delivery", d)
        j = json.loads(d)
        for e in j.get("logEvents", []):
            messages.append((j.get("logGroup", ""), e.get("message", "")))

    for path in sorted(glob.glob(os.path.join(ROOT, "corpus", "*.jsonl"))):
        with open(path, encoding="utf-8") as f:
            lines = [json.loads(l) for l in f if l.strip()]
        for start in range(0, len(lines), 12):
            part = lines[start : start + 12]
            first = part[0]
            delivery = {
                "messageType": "DATA_MESSAGE",
                "owner": "123456789012",
                "logGroup": first["logGroup"],
                "logStream": first["logStream"],
                "subscriptionFilters": ["all"],
                "logEvents": [
                    {"id": l["id"], "timestamp": l["timestamp"], "message": l["message"]}
                    for l in part
                ],
            }
            write(out, "delivery", json.dumps(delivery).encode())
        messages.extend((l["logGroup"], l["message"]) for l in lines)

    for path in sorted(glob.glob(os.path.join(ROOT, "logs", "*"))):
        with open(path, "rb") as f:
            text = f.read()
        write(out, "delivery", text)
        for line in text.decode("utf-8").splitlines(keepends=True):
            messages.append(("/ecs/like-service", line.split(" ", 1)[-1]))

    for group, message in messages:
        write(out, "parse_line", b"\x80" + group.encode() + b"\n" + message.encode())


if __name__ == "__main__":
    main(sys.argv[1])
