"""The API's key lookups (key_check.py) when the store cannot be read: refused (503), and not asked again on
every request."""

from __future__ import annotations

from pathlib import Path

from leadscore.api.key_check import KeyCheck


def test_an_unreadable_store_is_asked_again_only_after_the_cache_time(tmp_path: Path) -> None:
    now = [0.0]
    url = f"sqlite:///{tmp_path / 'no-such-folder' / 'store.sqlite3'}"
    (tmp_path / "no-such-folder").mkdir()
    (tmp_path / "no-such-folder" / "store.sqlite3").write_text("not a database")
    check = KeyCheck(url, None, ttl=5.0, clock=lambda: now[0])
    try:
        first = check.check(b"lsk_x")
        assert first.problem is not None and first.required
        assert check.cached(b"lsk_x") == first  # answered without asking the store again
        now[0] = 5.1
        assert check.cached(b"lsk_x") is None  # the store is asked again
    finally:
        check.close()
