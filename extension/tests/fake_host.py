#!/usr/bin/env python3
"""A scripted stand-in for ebid-host, for testing the extension alone in a real browser.

It speaks the native messaging framing (u32 native-endian length + JSON) and the ebid_protocol messages. Its
behaviour comes from mode.json next to it (rewritten by the test between scenarios); every request it receives
is appended to requests.log (PINs replaced by "***") so the test can check what the extension sent; when the
browser closes the port after a request it left unanswered (mode hang_on), it creates stdin_closed.
"""
import json
import os
import struct
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
READER = "Fake Reader 00 00"
OLD = {"der": "T0xELUNFUlQ=", "fp": "AA" * 32, "holder": "札幌 太郎", "org": "株式会社旧カード"}
NEW = {"der": "TkVXLUNFUlQ=", "fp": "BB" * 32, "holder": "札幌 太郎", "org": "株式会社新カード"}

lock = threading.Lock()


def send(message):
    data = json.dumps(message, ensure_ascii=False).encode("utf-8")
    with lock:
        sys.stdout.buffer.write(struct.pack("=I", len(data)) + data)
        sys.stdout.buffer.flush()


def read():
    header = sys.stdin.buffer.read(4)
    if len(header) < 4:
        return None
    (length,) = struct.unpack("=I", header)
    return json.loads(sys.stdin.buffer.read(length).decode("utf-8"))


def log(request):
    shown = dict(request)
    if shown.get("pin") is not None:
        shown["pin"] = "***"
    with open(os.path.join(HERE, "requests.log"), "a", encoding="utf-8") as f:
        f.write(json.dumps(shown, ensure_ascii=False) + "\n")


def error(rid, code, ja, en, retries=None):
    e = {"code": code, "message_ja": ja, "message_en": en}
    if retries is not None:
        e["retries_left"] = retries
    send({"type": "error", "id": rid, "error": e})


def certificate(card, expired=False):
    return {
        "kind": "certificate",
        "reader": READER,
        "card_type": "profile:fake",
        "certificate": card["der"],
        "summary": {
            "organization": card["org"],
            "holder_name": card["holder"],
            "address": "札幌市中央区",
            "serial": "0A",
            "issuer": "CN=Fake CA",
            "not_before": "2024-01-01T00:00:00Z",
            "not_after": "2099-01-01T00:00:00Z" if not expired else "2020-01-01T00:00:00Z",
            "key_algorithm": "RSA",
            "key_bits": 2048,
            "expired": expired,
            "sha256_fingerprint": card["fp"],
        },
    }


def main():
    with open(os.path.join(HERE, "mode.json"), encoding="utf-8") as f:
        mode = json.load(f)
    if mode.get("silent"):
        time.sleep(30)
        return
    send({"type": "hello", "version": "9.9.9-fake", "protocol": mode.get("protocol", 1)})
    card = OLD
    tries = {"old": 3, "new": 3}
    pin_pad = bool(mode.get("pin_pad"))
    hung = False
    while True:
        request = read()
        if request is None:
            if hung:
                # The browser gave up on the stuck request and closed the port: leave a mark for the test.
                open(os.path.join(HERE, "stdin_closed"), "w").close()
            return
        log(request)
        rid, cmd = request.get("id"), request.get("cmd")
        who = "old" if card is OLD else "new"
        if cmd == mode.get("hang_on"):
            # A host stuck in a driver: never answers this request.
            hung = True
            continue
        if cmd == "list_readers":
            send({"type": "response", "id": rid, "result": {"kind": "readers", "readers": [
                {"name": READER, "card_present": True, "atr": "3B00", "pin_pad": pin_pad}]}})
        elif cmd == "watch":
            send({"type": "response", "id": rid, "result": {"kind": "watching", "readers": [
                {"name": READER, "card_present": True, "atr": "3B00", "pin_pad": pin_pad}]}})
        elif cmd == "read_certificate":
            send({"type": "response", "id": rid, "result": certificate(card, bool(mode.get("expired")) and card is OLD)})
        elif cmd == "pin_status":
            send({"type": "response", "id": rid, "result": {"kind": "pin_status", "tries_left": tries[who],
                  "blocked": tries[who] == 0, "pin_pad": pin_pad, "min_length": 4, "max_length": 8,
                  "charset": "digits"}})
        elif cmd == "verify_pin":
            if request.get("pin") == "1234" or (pin_pad and request.get("pin") is None):
                send({"type": "response", "id": rid, "result": {"kind": "pin_verified"}})
            else:
                tries[who] -= 1
                if tries[who] == 0:
                    error(rid, "PIN_BLOCKED", "閉塞しています。", "The PIN is blocked.", 0)
                else:
                    error(rid, "WRONG_PIN", "PIN番号が正しくありません。", "Wrong PIN.", tries[who])
        elif cmd == "sign_challenge":
            purpose = request.get("purpose")
            send({"type": "response", "id": rid, "result": {"kind": "signature",
                  "signature": "U0lHLQ==" if purpose == "renew_current" else "U0lHKw==",
                  "digest": "ZA==", "algorithm": "RSASSA-PKCS1-v1_5-SHA256"}})
            if purpose == "renew_current":
                # The bidder swaps the cards: first the same card goes back in, then the new one.
                def swap():
                    nonlocal card
                    time.sleep(0.3)
                    send({"type": "event", "event": {"name": "card_removed", "reader": READER}})
                    if mode.get("same_card_first"):
                        time.sleep(0.3)
                        send({"type": "event", "event": {"name": "card_inserted", "reader": READER, "atr": "3B00"}})
                        time.sleep(1.0)
                        send({"type": "event", "event": {"name": "card_removed", "reader": READER}})
                    time.sleep(0.3)
                    card = NEW
                    send({"type": "event", "event": {"name": "card_inserted", "reader": READER, "atr": "3B01"}})
                threading.Thread(target=swap, daemon=True).start()
        else:
            error(rid, "UNKNOWN_COMMAND", "未対応の要求です。", "Unknown command.")


if __name__ == "__main__":
    main()
