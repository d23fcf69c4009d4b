"""A WhatsApp conversation as the fake Graph API recorded it, one readable line per call.

Why this exists: issue 21 asks for the transcript of a whole diagnosis. The end-to-end test drives
the real app against ``tests/fakes/graph_api.py`` and writes what the fake recorded (JSON lines,
the phone number masked) when ``ASESOR_WHATSAPP_TRANSCRIPT`` names a file:

    ASESOR_WHATSAPP_TRANSCRIPT=/tmp/t.jsonl PYTHONPATH=$PWD python -m pytest -q \
        tests/test_whatsapp_diagnosis.py -k whole_diagnosis
    python scripts/whatsapp_transcript.py /tmp/t.jsonl

Texts are cut at 150 characters; buttons and list rows are listed after each message.
"""

from __future__ import annotations

import json
import sys

__all__: list[str] = []


def text_of(body: dict) -> str:
    kind = body.get("type")
    if kind == "text":
        return body["text"]["body"]
    if kind == "interactive":
        part = body["interactive"]
        if part["type"] in ("button", "list"):
            return part["body"]["text"]
        if part["type"] in ("button_reply", "list_reply"):
            return part[part["type"]]["title"]
    if kind in ("image", "document"):
        media = body[kind]
        return f"[{kind} {media.get('filename', '')} id={media['id']}] {media.get('caption', '')}".strip()
    return ""


def choices(body: dict) -> str:
    part = body.get("interactive") or {}
    if part.get("type") == "button":
        return "  [botones: " + " | ".join(b["reply"]["title"] for b in part["action"]["buttons"]) + "]"
    if part.get("type") == "list":
        rows = [r["title"] for section in part["action"]["sections"] for r in section["rows"]]
        return "  [lista: " + " | ".join(rows) + "]"
    if part.get("type") in ("button_reply", "list_reply"):
        reply_id = part[part["type"]]["id"].split(":")
        return f"  (toca {reply_id[0]}:{reply_id[1]}…)"
    return ""


def main(path: str) -> None:
    with open(path, encoding="utf-8") as lines:
        for n, line in enumerate(lines, 1):
            body = json.loads(line)
            who = body.pop("de")
            if who == "media":
                print(f"{n:>2} POST /media  {body['type']} ({body['bytes']} bytes)")
                continue
            text = " ".join(text_of(body).split())
            if len(text) > 150:
                text = text[:147] + "…"
            arrow = "→ usuario" if who == "usuario" else "← asesor "
            print(f"{n:>2} {arrow} {body.get('type')}: {text}{choices(body)}")


if __name__ == "__main__":
    main(sys.argv[1])
