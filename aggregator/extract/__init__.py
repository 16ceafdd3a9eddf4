"""Full-text extraction: article pages fetched politely, extracted in killable workers.

    page.py    trafilatura (decoded HTML in, text + metadata out), runs in workers
    pool.py    worker processes with a per-page time limit (pebble)
    choose.py  pure: article text or the feed's own content, and why
    batch.py   one extraction run: pending entries -> pages -> workers -> store
"""
