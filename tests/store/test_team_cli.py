"""`leadscore users`, `leadscore keys` and `leadscore audit` on SQLite and PostgreSQL; the key's last line
through a real process; no password or key in what is printed or logged."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from leadscore.cli import main
from leadscore.store import Store, keys

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "s3cret-Horse-battery"


@pytest.fixture
def models(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A registry folder (no model needed) and the store at ``database_url`` (SQLite or PostgreSQL)."""
    monkeypatch.setenv("LEADSCORE_DATABASE_URL", database_url)
    return tmp_path / "models"


def run(models: Path, *args: str, stdin: str | None = None,
        monkeypatch: pytest.MonkeyPatch | None = None) -> int:
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main([*args, "--models-dir", str(models)])


def test_users_add_list_set_role_remove_and_the_audit(models: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert run(models, "users", "list") == 0
    assert "no accounts yet" in capsys.readouterr().out
    assert run(models, "users", "add", "Boss@Example.com", "--role", "admin", "--password-stdin",
               stdin=PASSWORD + "\n", monkeypatch=monkeypatch) == 0
    assert run(models, "users", "add", "ana@example.com", "--role", "rep", "--owner", "Ana Lopez",
               "--password-stdin", stdin=PASSWORD + "-ana\n", monkeypatch=monkeypatch) == 0
    assert run(models, "users", "add", "vic@example.com", "--role", "viewer") == 0
    out = capsys.readouterr()
    assert "ana@example.com added as sales rep" in out.out and "'Ana Lopez'" in out.out
    assert "no password" in out.out.splitlines()[-1]

    assert run(models, "users", "list", "--json") == 0
    assert json.loads(capsys.readouterr().out) == [
        {"email": "ana@example.com", "role": "rep", "owner": "Ana Lopez"},
        {"email": "boss@example.com", "role": "admin", "owner": None},
        {"email": "vic@example.com", "role": "viewer", "owner": None}]
    assert run(models, "users", "set-role", "vic@example.com", "manager") == 0
    assert run(models, "users", "remove", "ana@example.com") == 0
    assert run(models, "users", "list") == 0
    listed = capsys.readouterr().out.splitlines()[-2:]
    assert [line.split() for line in listed] == [["boss@example.com", "admin", "-"],
                                                  ["vic@example.com", "manager", "-"]]

    assert run(models, "audit", "--json") == 0
    events = json.loads(capsys.readouterr().out)
    assert [(e["action"], e["detail"]["email"], e["source"]) for e in events] == [
        ("user added", "boss@example.com", "command line"), ("user added", "ana@example.com", "command line"),
        ("user added", "vic@example.com", "command line"), ("role set", "vic@example.com", "command line"),
        ("user removed", "ana@example.com", "command line")]
    assert all(e["actor"] for e in events)
    assert run(models, "audit", "--since", "2999-01-01") == 0
    assert capsys.readouterr().out.strip() == "no events since 2999-01-01 00:00 UTC"
    assert run(models, "audit") == 0
    text = capsys.readouterr()
    assert "role set  email=vic@example.com, role=manager, was=viewer  (from command line)" in text.out
    assert PASSWORD not in text.out + text.err


@pytest.mark.parametrize(("args", "words"), [
    (["users", "add", "not-an-email", "--role", "admin"], "'not-an-email' is not an email address"),
    (["users", "add", "a@example.com", "--role", "boss"], "'boss' is not a role; the roles are admin, manager"),
    (["users", "add", "a@example.com", "--role", "rep"], "a rep needs an owner value (--owner)"),
    (["users", "set-role", "ghost@example.com", "viewer"], "ghost@example.com has no account"),
    (["users", "remove", "ghost@example.com"], "ghost@example.com has no account"),
    (["keys", "add", "crm", "--scope", "everything"], "'everything' is not a scope; the scopes are score, record"),
    (["keys", "revoke", "ghost"], "no key named 'ghost'"),
])
def test_bad_input_is_one_line_and_exit_2(models: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                          words: str) -> None:
    assert run(models, *args) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if not line.startswith("INFO")]
    assert len(err) == 1 and words in err[0]


def test_a_bad_date_is_refused_by_the_parser(models: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run(models, "audit", "--since", "yesterday")
    assert exited.value.code == 2
    assert "'yesterday' is not a date" in capsys.readouterr().err.splitlines()[-1]


def test_a_short_or_missing_password_is_refused_without_echoing_it(models: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert run(models, "users", "add", "a@example.com", "--role", "viewer", "--password-stdin", stdin="q7#x\n",
               monkeypatch=monkeypatch) == 2
    assert run(models, "users", "add", "a@example.com", "--role", "viewer", "--password-stdin", stdin="",
               monkeypatch=monkeypatch) == 2
    err = capsys.readouterr().err
    assert "too short" in err and "no password on standard input" in err and "q7#x" not in err


def test_keys_add_list_revoke(models: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(models, "keys", "list") == 0
    assert "no API keys yet" in capsys.readouterr().out
    assert run(models, "keys", "add", "website form", "--scope", "score", "record") == 0
    made = capsys.readouterr()
    key = made.out.strip()
    assert made.out.count("\n") == 1 and key.startswith("lsk_")
    assert "shown this once" in made.err and key not in made.err
    assert run(models, "keys", "list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(k["name"], k["scopes"], k["revoked_at"]) for k in listed] == [("website form", ["score", "record"],
                                                                            None)]
    assert run(models, "keys", "revoke", "website form") == 0
    assert "revoked" in capsys.readouterr().out
    assert run(models, "keys", "revoke", "website form") == 0
    assert "already revoked" in capsys.readouterr().out
    assert run(models, "keys", "list") == 0
    assert "revoked 20" in capsys.readouterr().out
    store = Store.open(os.environ["LEADSCORE_DATABASE_URL"])
    try:
        assert keys.find_key(store, key) is None
    finally:
        store.close()
    assert run(models, "audit") == 0
    text = capsys.readouterr().out
    assert "key added  name=website form, scopes=['score', 'record']" in text and key not in text


def test_the_key_is_alone_on_the_last_line_of_a_real_process(tmp_path: Path) -> None:
    env = {**os.environ, "LEADSCORE_MODELS_DIR": str(tmp_path / "models")}
    env.pop("LEADSCORE_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "leadscore.cli", "keys", "add", "crm sync", "--scope", "outcomes"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    last = done.stdout.splitlines()[-1]
    assert last.startswith("lsk_") and last == last.strip() and len(last.split()) == 1
    assert last not in done.stderr
    store = Store.open(models_dir=tmp_path / "models")
    try:
        assert keys.find_key(store, last).scopes == ("outcomes",)
    finally:
        store.close()
