#!/usr/bin/env python3
"""Talks native messaging to a host command, as a browser would, for tests/windows/wine.sh.

    frames.py REQUESTS_JSON -- COMMAND [ARG...]

Starts COMMAND (e.g. `wine64 ebid-host.exe chrome-extension://<id>/`), writes each request of the JSON array
REQUESTS_JSON as one frame (u32 length in native byte order, then the UTF-8 JSON: protocol/src/framing.rs), reads
the Hello and then messages until every request has its answer (a `response` or `error` with its id), closes the
host's stdin and prints every message read, one JSON object a line. Exit status 1 on a malformed stream or when
the host does not answer within the timeout (EBID_FRAMES_TIMEOUT seconds, default 60: Wine starts slowly).

The wire format is the protocol crate's; this is a test client of it, like the extension's, not a second codec the
host uses.
"""
import json
import os
import select
import struct
import subprocess
import sys
import time

ABSURD_FRAME_BYTES = 16 * 1024 * 1024  # protocol::framing::ABSURD_FRAME_BYTES


def frame(message):
    body = json.dumps(message).encode("utf-8")
    return struct.pack("=I", len(body)) + body


def read_exact(stream, count, deadline):
    data = b""
    while len(data) < count:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([stream], [], [], left)[0]:
            raise TimeoutError(f"no answer in time ({len(data)} of {count} bytes)")
        chunk = os.read(stream.fileno(), count - len(data))
        if not chunk:
            raise EOFError(f"stream ended after {len(data)} of {count} bytes")
        data += chunk
    return data


def read_message(stream, deadline):
    (length,) = struct.unpack("=I", read_exact(stream, 4, deadline))
    if length > ABSURD_FRAME_BYTES:
        raise ValueError(f"absurd frame length {length}: not native messaging")
    return json.loads(read_exact(stream, length, deadline).decode("utf-8"))


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit(__doc__)
    requests = json.loads(sys.argv[1])
    timeout = float(os.environ.get("EBID_FRAMES_TIMEOUT", "60"))
    host = subprocess.Popen(sys.argv[3:], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    waiting = {r["id"] for r in requests if "id" in r}
    status = 0
    try:
        deadline = time.monotonic() + timeout
        hello = read_message(host.stdout, deadline)
        print(json.dumps(hello, ensure_ascii=False), flush=True)
        for request in requests:
            host.stdin.write(frame(request))
        host.stdin.flush()
        while waiting:
            message = read_message(host.stdout, deadline)
            print(json.dumps(message, ensure_ascii=False), flush=True)
            if message.get("type") in ("response", "error"):
                waiting.discard(message.get("id"))
    except (TimeoutError, EOFError, ValueError) as e:
        print(f"frames.py: {e}", file=sys.stderr)
        status = 1
    finally:
        host.stdin.close()
        try:
            code = host.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            host.kill()
            code = host.wait()
            print("frames.py: the host did not end after its stdin closed", file=sys.stderr)
            status = 1
    # The host ends its session with status 0 when the browser closes the pipe.
    if code != 0 and status == 0:
        print(f"frames.py: the host exited with status {code}", file=sys.stderr)
        status = 1
    sys.exit(status)


if __name__ == "__main__":
    main()
