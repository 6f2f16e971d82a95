#!/usr/bin/env python3
"""Writes fixtures/ input files: deliveries as CloudWatch Logs sends them and
the other shapes `cwl-bridge replay` reads. Deterministic (seeded, gzip with
mtime 0), so re-running it changes nothing unless this script changes.

    python3 scripts/make_fixtures.py

The log lines are written by hand after the real formats of each stack; see
fixtures/README.md for what each file exercises.
"""
import base64
import gzip
import json
import os
import random

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
OWNER = "123456789012"
rng = random.Random(20241125)


def event_id(ts, n):
    # CloudWatch event ids are 56 decimal digits; the first part grows with time.
    return f"{ts:017d}{n:07d}{rng.randrange(10**31, 10**32):032d}"[:56]


def hexs(n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def trace():
    return f"1-{hexs(8)}-{hexs(24)}"


def uuid():
    return f"{hexs(8)}-{hexs(4)}-4{hexs(3)}-{rng.choice('89ab')}{hexs(3)}-{hexs(12)}"


def iso_ms(ms):
    from datetime import datetime, timezone
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def delivery(group, stream, lines, start_ms, step_ms=37):
    events, ts = [], start_ms
    for i, msg in enumerate(lines):
        if isinstance(msg, tuple):  # (extra delay ms, message)
            ts += msg[0]
            msg = msg[1]
        ts += step_ms
        # A runtime's header time is the event's own ({TS} in a line).
        msg = msg.replace("{TS}", iso_ms(ts))
        events.append({"id": event_id(ts, i), "timestamp": ts, "message": msg})
    return {
        "messageType": "DATA_MESSAGE",
        "owner": OWNER,
        "logGroup": group,
        "logStream": stream,
        "subscriptionFilters": ["cwl-trace-bridge"],
        "logEvents": events,
    }


def gz(obj):
    return gzip.compress(json.dumps(obj, separators=(",", ":")).encode(), mtime=0)


def lambda_event(obj):
    return {"awslogs": {"data": base64.b64encode(gz(obj)).decode()}}


def write(rel, text_or_bytes):
    path = os.path.join(ROOT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mode = "wb" if isinstance(text_or_bytes, bytes) else "w"
    with open(path, mode) as f:
        f.write(text_or_bytes)


def wjson(rel, obj):
    write(rel, json.dumps(obj, indent=2) + "\n")


# ---------------------------------------------------------------- Mysfits like
T0 = 1732529000000  # 2024-11-25T10:03:20Z
MYSFITS = [
    "4e53920c-505a-4a90-a694-b9300791f0ae", "2b473002-36f8-4b87-954e-9a377e0ccbec",
    "0e37d916-f960-4772-a25a-01b762b5c1bd", "da5303ae-5aba-495c-b5d6-eb5c4a66b941",
    "b41ff031-141e-4a8d-bb56-158a22bea0b3", "a901bb08-1985-42f5-bb77-27439ac14300",
]


def werkzeug(ip, ts_s, method, path, status):
    t = ts_s
    return f'{ip} - - [25/Nov/2024 10:{t // 60 % 60:02d}:{t % 60:02d}] "{method} {path} HTTP/1.1" {status} -'


def like_service_chaos():
    lines = [
        " * Serving Flask app \"mysfits_like\" (lazy loading)",
        " * Environment: production",
        "   WARNING: This is a development server. Do not use it in a production deployment.",
        "   Use a production WSGI server instead.",
        " * Debug mode: off",
        " * Running on http://0.0.0.0:80/ (Press CTRL+C to quit)",
    ]
    s = 200
    for i in range(40):
        s += rng.randint(1, 3)
        kind = rng.random()
        mysfit = rng.choice(MYSFITS)
        ip = f"10.0.{rng.choice([0, 1])}.{rng.randint(10, 250)}"
        if i % 6 == 0:
            lines.append(werkzeug(ip, s, "GET", "/", 200))  # ALB health check
            continue
        if kind < 0.25:
            lines.append("WARN: stress function activated")
            lines.append("Like processed.")
            lines.append(werkzeug(ip, s, "POST", f"/mysfits/{mysfit}/like", 200))
        elif kind < 0.45:
            lines.append("WARN: simulated 404 activated")
            lines.append(werkzeug(ip, s, "POST", f"/mysfits/{mysfit}/like", 404))
        elif kind < 0.55:
            lines += [
                "-" * 80,
                "WARNING in mysfits_like [/app/mysfits_like.py:52]:",
                "WARN: This thing should NOT be left on..",
                "-" * 80,
            ]
            lines.append(werkzeug(ip, s, "POST", f"/mysfits/{mysfit}/like", 200))
        else:
            lines.append("Like processed.")
            lines.append(werkzeug(ip, s, "POST", f"/mysfits/{mysfit}/like", 200))
    return lines


def like_service_instrumented():
    """The same service after the observability lab: JSON logs with the
    incoming X-Amzn-Trace-Id on the access line and a request id on every line."""
    lines = []
    for i in range(12):
        req = uuid()
        tr = trace()
        mysfit = rng.choice(MYSFITS)
        parent = hexs(16)
        chaos = ["WARN: stress function activated", "WARN: simulated 404 activated", None][i % 3]
        status = 404 if chaos and "404" in chaos else 200
        if chaos:
            lines.append(json.dumps({"level": "WARNING", "logger": "mysfits_like", "request_id": req,
                                     "message": chaos, "service": "like"}))
        lines.append(json.dumps({"level": "INFO", "logger": "mysfits_like", "request_id": req,
                                 "message": f"Like processed for mysfit {mysfit}", "service": "like"}))
        lines.append(json.dumps({"level": "INFO", "logger": "werkzeug", "request_id": req, "service": "like",
                                 "message": f'"POST /mysfits/{mysfit}/like HTTP/1.1" {status} -',
                                 "xray_trace_id": tr, "trace_header": f"Root={tr};Parent={parent};Sampled=1"}))
    return lines


def xray_daemon():
    lines = [
        "2024-11-25T10:03:20Z [Info] Initializing AWS X-Ray daemon 3.3.13",
        "2024-11-25T10:03:20Z [Info] Using buffer memory limit of 81 MB",
        "2024-11-25T10:03:20Z [Info] 1296 segment buffers allocated",
        "2024-11-25T10:03:20Z [Info] Using region: us-east-1",
        "2024-11-25T10:03:20Z [Info] HTTP Proxy server using X-Ray Endpoint : https://xray.us-east-1.amazonaws.com",
        "2024-11-25T10:03:20Z [Info] Starting proxy http server on 0.0.0.0:2000",
    ]
    for i in range(20):
        n = rng.randint(1, 9)
        lines.append(f"2024-11-25T10:{4 + i // 6:02d}:{(i * 7) % 60:02d}Z [Info] Successfully sent batch of {n} segments ({rng.randint(10, 90) / 1000:.3f} seconds)")
        if i == 11:
            lines.append("2024-11-25T10:05:59Z [Error] Sending segment batch failed with: RequestError: send request failed\ncaused by: Post \"https://xray.us-east-1.amazonaws.com/TraceSegments\": net/http: request canceled (Client.Timeout exceeded while awaiting headers)")
            lines.append("2024-11-25T10:05:59Z [Warn] Delaying sending of additional batches by 0 seconds")
    return lines


def lambda_python_traced():
    """A Python function with active tracing: START, app lines, END, REPORT
    with XRAY. The REPORT names the trace of every line of its invocation."""
    lines = ["INIT_START Runtime Version: python:3.12.v38\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:7b620fc2e66107a1046b140b9d320295811af3ad5d4c6a011fad1fa65127e9e6"]
    for i in range(8):
        req, tr, seg = uuid(), trace(), hexs(16)
        lines.append(f"START RequestId: {req} Version: $LATEST")
        rng.randint(100, 999)  # kept so that every later id and trace stays as it was
        lines.append(f"[INFO]\t{{TS}}\t{req}\tProcessing like for mysfit {rng.choice(MYSFITS)}")
        if i == 3:
            lines.append(f"[WARNING]\t{{TS}}\t{req}\tWARN: simulated 404 activated")
        if i == 5:
            lines.append(
                f"[ERROR] KeyError: 'mysfitId'\nTraceback (most recent call last):\n"
                f"  File \"/var/task/app.py\", line 21, in lambda_handler\n    mysfit_id = event['pathParameters']['mysfitId']"
            )
        lines.append(f"END RequestId: {req}")
        init = f"\tInit Duration: {rng.randint(150, 400)}.{rng.randint(10, 99)} ms" if i == 0 else ""
        dur = rng.randint(2, 900) + rng.randint(0, 99) / 100
        lines.append(
            f"REPORT RequestId: {req}\tDuration: {dur:.2f} ms\tBilled Duration: {int(dur) + 1} ms\t"
            f"Memory Size: 128 MB\tMax Memory Used: {rng.randint(40, 90)} MB{init}\t\n"
            f"XRAY TraceId: {tr}\tSegmentId: {seg}\tSampled: true\t"
        )
    return lines


def lambda_node_json():
    """A Node.js function with the JSON log format and Powertools-style logs."""
    lines = []
    for i in range(6):
        req, tr, span = uuid(), trace(), hexs(16)
        t = f"2024-11-25T10:1{i}:0{i}.{100 + i}Z"
        lines.append(json.dumps({"time": t, "type": "platform.start", "record": {"requestId": req, "version": "$LATEST", "tracing": {"spanId": span, "type": "X-Amzn-Trace-Id", "value": f"Root={tr};Parent={hexs(16)};Sampled=1"}}}))
        lines.append(json.dumps({"timestamp": t, "level": "INFO", "requestId": req, "message": "fetching mysfit", "mysfitId": rng.choice(MYSFITS)}))
        if i % 2:
            lines.append(json.dumps({"level": "WARN", "message": "slow DynamoDB response", "timestamp": t, "service": "mysfits-api", "cold_start": i == 1, "function_request_id": req, "xray_trace_id": tr, "latency_ms": rng.randint(800, 3000)}))
        lines.append(json.dumps({"time": t, "type": "platform.report", "record": {"requestId": req, "metrics": {"durationMs": 12.5 + i, "billedDurationMs": 13 + i, "memorySizeMB": 256, "maxMemoryUsedMB": 71 + i}, "tracing": {"spanId": span, "type": "X-Amzn-Trace-Id", "value": f"Root={tr};Parent={hexs(16)};Sampled=1"}, "status": "success"}}))
    return lines


def main():
    chaos = like_service_chaos()
    half = len(chaos) // 2
    like1 = delivery("/ecs/like-service", "ecs/like-service/3f0c2a8e1b7d4c5fa9e0d1c2b3a49f87", chaos[:half], T0, 450)
    like2 = delivery("/ecs/like-service", "ecs/like-service/3f0c2a8e1b7d4c5fa9e0d1c2b3a49f87", chaos[half:], like1["logEvents"][-1]["timestamp"], 450)
    wjson("deliveries/like-service-chaos.json", lambda_event(like1))
    # Several Lambda events, one per line (as saved from a test harness).
    write("deliveries/like-service-chaos-more.ndjson", json.dumps(lambda_event(like2)) + "\n")
    wjson("deliveries/like-service-instrumented.json", lambda_event(
        delivery("/ecs/like-service", "ecs/like-service/8a1d0c3f5e2b4a6c9d7e0f1a2b3c4d5e", like_service_instrumented(), T0 + 600000, 120)))
    wjson("deliveries/xray-daemon.json", lambda_event(
        delivery("/ecs/xray-daemon", "ecs/xray-daemon/3f0c2a8e1b7d4c5fa9e0d1c2b3a49f87", xray_daemon(), T0, 5000)))
    wjson("deliveries/lambda-python-traced.json", lambda_event(
        delivery("/aws/lambda/mysfits-like", "2024/11/25/[$LATEST]0f5a3c1e9b7d4e2f8a6c0b1d3e5f7a9c", lambda_python_traced(), T0 + 30000, 95)))
    wjson("deliveries/control-message.json", lambda_event({
        "messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "", "logStream": "",
        "subscriptionFilters": [],
        "logEvents": [{"id": "", "timestamp": T0, "message": "CWL CONTROL MESSAGE: Checking health of destination Lambda function."}]}))
    # Decoded subscription JSON, as `awslogs.data` inflates to.
    node = delivery("/aws/lambda/mysfits-api", "2024/11/25/[$LATEST]7c1e5a9b3d0f4e6a8c2b1d0e9f8a7b6c", lambda_node_json(), T0 + 900000, 40)
    wjson("decoded/lambda-node-json.json", node)
    # A raw gzip payload (what awslogs.data base64-decodes to).
    write("gzip/like-service-chaos.json.gz", gz(like1))
    # Kinesis Data Streams event and Firehose transformation records.
    xr = delivery("/ecs/xray-daemon", "ecs/xray-daemon/b7e2", xray_daemon()[:6], T0 + 86400000, 1000)
    wjson("kinesis/kinesis-event.json", {"Records": [{
        "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": "c3e7f2d1a9b8", "sequenceNumber": "49656219470981207349283047398723458762398475632",
                    "data": base64.b64encode(gz(xr)).decode(), "approximateArrivalTimestamp": 1732615400.123},
        "eventSource": "aws:kinesis", "eventVersion": "1.0", "eventID": "shardId-000000000000:49656219470981207349283047398723458762398475632",
        "eventName": "aws:kinesis:record", "awsRegion": "us-east-1",
        "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/cwl-subscription"}]})
    wjson("kinesis/firehose-records.json", {"invocationId": "6f6c1f2c-1a9e-4e2b-9a3c-2d1e0f9a8b7c",
        "deliveryStreamArn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/cwl-to-s3", "region": "us-east-1",
        "records": [{"recordId": "49546986683135544286507457936321625675700192471156785154", "approximateArrivalTimestamp": 1732615400123,
                     "data": base64.b64encode(gz(delivery("/aws/lambda/mysfits-like", "2024/11/26/[$LATEST]a1", lambda_python_traced()[:6], T0 + 86400000, 50))).decode()}]})
    # `aws logs filter-log-events` and `get-log-events` output.
    fle = {"events": [], "searchedLogStreams": [], "nextToken": None}
    for e in like1["logEvents"][:12]:
        fle["events"].append({"logStreamName": like1["logStream"], "timestamp": e["timestamp"], "message": e["message"],
                              "ingestionTime": e["timestamp"] + 412, "eventId": e["id"]})
    del fle["nextToken"]
    wjson("cli/filter-log-events.json", fle)
    gle = {"events": [{"timestamp": e["timestamp"], "message": e["message"], "ingestionTime": e["timestamp"] + 380}
                      for e in xr["logEvents"]],
           "nextForwardToken": "f/38447281930571928374650192837465019283746501928374", "nextBackwardToken": "b/38447281930571928374650192837465019283746501928374"}
    wjson("cli/get-log-events.json", gle)
    # Plain text: a CloudWatch export of the like service (timestamp, space, message).
    from datetime import datetime, timezone
    text = []
    for e in like2["logEvents"]:
        t = datetime.fromtimestamp(e["timestamp"] / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{e['timestamp'] % 1000:03d}Z"
        text.append(f"{t} {e['message']}")
    write("logs/like-service-export.log", "\n".join(text) + "\n")


if __name__ == "__main__":
    main()
