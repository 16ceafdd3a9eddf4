"""The weekly recaps' LLM-written introductions."""

from __future__ import annotations

import json
from datetime import datetime

from ..clock import iso
from .db import Store


def recap_row(store: Store, week: str) -> dict | None:
    rows = store.query("select * from recaps where week = ?", (week,))
    return rows[0] if rows else None


def save_recap(store: Store, week: str, *, input_hash: str, model: str, sentences: list[dict], total: int,
               now: datetime) -> None:
    with store.write() as db:
        db["recaps"].upsert({"week": week, "input_hash": input_hash, "model": model,
                             "intro_json": json.dumps(sentences, ensure_ascii=False), "sentences_total": total,
                             "sentences_verified": len(sentences), "created_at": iso(now)}, pk="week")


def recap_intros(store: Store) -> dict[str, list[dict]]:
    """Each week's introduction as the recap page shows it: [{"text", "path"}], linked to its stories."""
    rows = [(r["week"], json.loads(r["intro_json"] or "[]")) for r in store.query("select week, intro_json from recaps")]
    wanted = sorted({s.get("story_id") for _, named in rows for s in named if isinstance(s.get("story_id"), int)})
    slugs = {r["id"]: r["slug"] for r in store.query(  # the stories named, not all of them
        "select id, slug from stories where id in (select value from json_each(?))", (json.dumps(wanted),))}
    intros = {}
    for week, named in rows:
        sentences = [{"text": s["text"], "path": f"stories/{slugs[s['story_id']]}/"}
                     for s in named if s.get("story_id") in slugs]
        if sentences:
            intros[week] = sentences
    return intros
