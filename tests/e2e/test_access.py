"""Who may see what, against a real ``rag serve --users`` with an audit log: real Chromium, gradio_client, openai.

Two groups share one server: alice (group hr) and bob (group eng), each with a private collection; carol
reads hr; keys come from ``rag keys``. Every attack a curious user tries is refused with a readable
message, changes no collection, and leaves exactly one ``refused`` line in the audit log. (Chroma needs
3 letters or more for a collection name: the hr group's collection is ``hr-docs``, eng's ``eng-docs``.)
"""

from __future__ import annotations

import html
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from rag import Assistant
from rag.store import list_collections
from tests.support import ANSWER_TIMEOUT, ROOT, serve_rag
from ui.auth import hash_line, password_hash

PASSWORDS = {"alice": "alice-pass-1", "bob": "bob-pass-2", "carol": "carol-pass-3"}
HR_FACT = "Parental leave at Vennick Corp is sixteen weeks at full pay.\n"
HR_QUESTION = "How long is parental leave at Vennick Corp?"
ENG_FACT = "The staging cluster of the billing service is called Kestrel.\n"
ENG_QUESTION = "What is the staging cluster of the billing service called?"
MISSING = "no collection '{}' on this server"


def _users_file(path: Path) -> Path:
    def user(name: str, groups: list[str], role: str, private: bool) -> str:
        digest = password_hash(PASSWORDS[name], n=2**10)
        return (
            f'[users.{name}]\npassword_hash = "{digest}"\ngroups = {json.dumps(groups)}\n'
            f'role = "{role}"\nprivate = {str(private).lower()}\n'
        )

    rules = (
        '[collections.hr-docs]\nread = ["group:hr"]\nwrite = ["group:hr"]\ndelete = ["group:hr"]\n'
        '[collections.eng-docs]\nread = ["group:eng"]\nwrite = ["group:eng"]\ndelete = ["group:eng"]\n'
    )
    users = user("alice", ["hr"], "editor", True) + user("bob", ["eng"], "editor", True)
    path.write_text(users + user("carol", ["hr"], "reader", False) + rules, encoding="utf-8")
    return path


def _two_collections(work: Path) -> Path:
    """An index with collections hr-docs and eng-docs, one file each."""
    index_dir = work / "index"
    for name, fact in (("hr-docs", HR_FACT), ("eng-docs", ENG_FACT)):
        folder = work / name
        folder.mkdir()
        (folder / "policy.txt").write_text(fact, encoding="utf-8")  # one name in both: a name is no key
        Assistant.open(index_dir=index_dir, collection=name).add([folder])
    return index_dir


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """``rag serve --users --audit-log`` over :func:`_two_collections`."""
    work = tmp_path_factory.mktemp("team")
    index_dir = _two_collections(work)
    users, audit = _users_file(work / "users.toml"), work / "audit.jsonl"
    flags = ["--llm", "extractive", "--users", str(users), "--audit-log", str(audit)]
    with serve_rag(index_dir, work, *flags) as url:
        yield {"url": url, "index": index_dir, "audit": Audit(audit), "work": work}


class Audit:
    """The audit log, read a piece at a time: :meth:`new` gives the lines written since the last call."""

    def __init__(self, path: Path) -> None:
        self.path, self.seen = path, 0

    def new(self) -> list[dict[str, Any]]:
        lines = self.path.read_text(encoding="utf-8").splitlines() if self.path.exists() else []
        fresh, self.seen = lines[self.seen :], len(lines)
        return [json.loads(line) for line in fresh]

    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


def _chunks(index_dir: Path) -> dict[str, int]:
    return {info.name: info.chunks for info in list_collections(index_dir)}


def _client(team: dict[str, Any], user: str) -> Client:
    return Client(team["url"], auth=(user, PASSWORDS[user]), verbose=False)


def _ask(client: Client, question: str, collection: str) -> dict[str, Any]:
    return json.loads(client.predict(question, collection, api_name="/ask"))


def _refused_once(audit: Audit, user: str | None, attempt: str, collection: str | None) -> dict[str, Any]:
    """The log got exactly one line since the last look: a refusal of ``attempt`` by ``user`` in ``collection``."""
    lines = [line for line in audit.new() if line["action"] not in ("login_ok",)]
    assert len(lines) == 1, lines
    line = lines[0]
    assert (line["action"], line["user"], line["attempt"], line["collection"]) == ("refused", user, attempt, collection)
    return line


# --- the browser: two users, two views -------------------------------------------------------------------


def _login(browser: Any, url: str, user: str) -> Any:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(url)
    page.get_by_label("username").fill(user)
    page.get_by_label("password").fill(PASSWORDS[user])
    page.get_by_role("button", name="Login").click()
    page.locator("#question textarea").wait_for()
    return page


def _offered(page: Any) -> list[str]:
    """The collections the page offers (waits until the page has loaded the user's list)."""
    field = page.get_by_role("combobox", name="Collection", exact=True)
    page.wait_for_function("() => document.querySelector('#upload') !== null")
    page.wait_for_timeout(1000)  # the load event fills the list
    field.click()
    options = page.get_by_role("option")
    options.first.wait_for()
    names = [name.replace("✓", "").strip() for name in options.all_inner_texts()]  # ✓ marks the chosen one
    field.press("Escape")
    return names


def _ask_in_page(page: Any, question: str) -> str:
    """Ask in the page; the text of the answer (or the error) it shows."""
    bots = page.locator('#chat [data-testid="bot"]')
    before = bots.count()
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    bots.nth(before).locator(".rag-error, a.cite, .refusal").first.wait_for(timeout=ANSWER_TIMEOUT)
    return str(bots.nth(before).inner_text())


def _choose(page: Any, collection: str) -> None:
    field = page.get_by_role("combobox", name="Collection", exact=True)
    field.fill(collection)
    field.press("Enter")


@pytest.mark.parametrize(
    ("user", "own", "other", "question", "fact"),
    [
        ("alice", "hr-docs", "eng-docs", HR_QUESTION, "sixteen weeks"),
        ("bob", "eng-docs", "hr-docs", ENG_QUESTION, "Kestrel"),
    ],
)
def test_each_user_sees_and_asks_only_their_groups_collection(team, browser, user, own, other, question, fact):
    audit = team["audit"]
    audit.new()
    page = _login(browser, team["url"], user)
    assert [line["action"] for line in audit.new()] == ["login_ok"]
    offered = _offered(page)
    assert own in offered and f"private-{user}" in offered and other not in offered, offered
    _choose(page, own)
    assert fact in _ask_in_page(page, question)
    assert [(line["action"], line["user"], line["collection"]) for line in audit.new()] == [("ask", user, own)]

    # Typed in by hand, the other group's collection answers exactly like one that does not exist.
    _choose(page, other)
    refused = _ask_in_page(page, question)
    assert MISSING.format(other) in refused and fact not in refused
    _refused_once(audit, user, "ask", other)
    _choose(page, "no-such-collection")
    assert MISSING.format("no-such-collection") in _ask_in_page(page, question)
    _refused_once(audit, user, "ask", "no-such-collection")
    page.close()


def test_an_upload_lands_in_the_users_private_collection_that_others_cannot_see(team, browser, tmp_path):
    audit, index_dir = team["audit"], team["index"]
    notes = tmp_path / "bobs-notes.txt"
    notes.write_text("Bob keeps his bicycle in the blue shed behind the depot.\n", encoding="utf-8")
    page = _login(browser, team["url"], "bob")
    _offered(page)  # the list, and the collection chosen at first, have loaded
    audit.new()
    page.locator("#upload input[type=file]").set_input_files(str(notes))
    page.get_by_text("Added bobs-notes.txt to collection 'private-bob'").wait_for(timeout=ANSWER_TIMEOUT)
    assert (index_dir / "uploads" / "private-bob" / "bobs-notes.txt").exists()
    assert _chunks(index_dir)["private-bob"] == 1
    line = audit.new()[-1]
    assert (line["action"], line["user"], line["collection"], line["document"]) == (
        "upload",
        "bob",
        "private-bob",
        "bobs-notes.txt",
    )
    page.close()

    alice = _login(browser, team["url"], "alice")
    assert "private-bob" not in _offered(alice)
    alice.close()
    with pytest.raises(AppError, match=MISSING.format("private-bob")):
        _ask(_client(team, "alice"), "Where does Bob keep his bicycle?", "private-bob")


# --- the attacks: crafted calls of the events behind the page --------------------------------------------


def _said(chat: list[dict[str, Any]]) -> str:
    """The newest chat message as text (Gradio gives its HTML as parts)."""
    content = chat[-1]["content"]
    return html.unescape(content if isinstance(content, str) else "".join(part["text"] for part in content))


def _event(client: Client, elem_id: str, trigger: str) -> int:
    """The index of the page's event that ``trigger`` on the component ``elem_id`` (or labelled so) runs, made
    callable: the client refuses private events by itself, an attacker's copy of it does not."""
    config = client.config
    props = [(c["id"], c.get("props", {})) for c in config["components"]]
    component = next(id_ for id_, p in props if elem_id in (p.get("elem_id"), p.get("label")))
    for index, dependency in enumerate(config["dependencies"]):
        if [component, trigger] in [list(target) for target in dependency["targets"]]:
            fn_index = dependency.get("id", index)
            client.endpoints[fn_index].is_valid = True
            return int(fn_index)
    raise AssertionError(f"no {trigger} event on #{elem_id}")


def test_crafted_calls_cannot_ask_upload_or_delete_in_another_groups_collection(team, tmp_path):
    audit, index_dir = team["audit"], team["index"]
    alice = _client(team, "alice")
    before = _chunks(index_dir)
    audit.new()

    with pytest.raises(AppError, match=MISSING.format("eng-docs")):
        _ask(alice, ENG_QUESTION, "eng-docs")
    _refused_once(audit, "alice", "ask", "eng-docs")

    planted = tmp_path / "planted.txt"
    planted.write_text("The staging cluster of the billing service is called Mallory.\n", encoding="utf-8")
    upload = _event(alice, "upload", "upload")
    _, chat, _ = alice.predict([handle_file(str(planted))], [], "eng-docs", fn_index=upload)
    assert MISSING.format("eng-docs") in _said(chat)
    _refused_once(audit, "alice", "upload", "eng-docs")
    assert not (index_dir / "uploads" / "eng-docs" / "planted.txt").exists()

    listing = _event(alice, "Documents", "select")
    table, _, _ = alice.predict("eng-docs", fn_index=listing)  # the Documents tab of eng-docs
    assert MISSING.format("eng-docs") in html.unescape(table) and "policy.txt" not in table
    _refused_once(audit, "alice", "list", "eng-docs")

    # Gradio takes only a document name its list offered: alice lists her own collection, whose file has the name
    # of the one she is after in eng-docs.
    table, _, _ = alice.predict("hr-docs", fn_index=listing)
    assert "policy.txt" in table
    audit.new()
    table, _, notice = alice.predict("eng-docs", "policy.txt", fn_index=_event(alice, "delete-document", "click"))
    assert MISSING.format("eng-docs") in html.unescape(notice) and "policy.txt" not in table
    _refused_once(audit, "alice", "delete", "eng-docs")
    assert _chunks(index_dir) == before


def test_a_reader_cannot_delete(team):
    audit, index_dir = team["audit"], team["index"]
    carol = _client(team, "carol")
    before = _chunks(index_dir)
    audit.new()
    table, _, _ = carol.predict("hr-docs", fn_index=_event(carol, "Documents", "select"))  # her Documents tab
    assert "policy.txt" in table and audit.new() == []
    table, _, notice = carol.predict("hr-docs", "policy.txt", fn_index=_event(carol, "delete-document", "click"))
    assert "you may not remove documents from collection 'hr-docs'" in html.unescape(notice)
    assert "policy.txt" in table  # she still reads it
    _refused_once(audit, "carol", "delete", "hr-docs")
    assert _chunks(index_dir) == before
    assert "sixteen weeks" in _ask(carol, HR_QUESTION, "hr-docs")["text"]


TRICKS = ["../eng-docs", "eng-docs/../hr-docs", "hr-docs/", "..", "hr-docs\x00", "/etc/passwd", "a..b", "ENG-DOCS"]


def test_collection_names_with_path_tricks_are_refused(team, tmp_path):
    audit, index_dir = team["audit"], team["index"]
    alice = _client(team, "alice")
    before = _chunks(index_dir)
    upload = _event(alice, "upload", "upload")
    planted = tmp_path / "planted.txt"
    planted.write_text("Planted text.\n", encoding="utf-8")
    audit.new()
    for name in TRICKS:
        with pytest.raises(AppError, match="invalid collection name|no collection"):
            _ask(alice, HR_QUESTION, name)
        _refused_once(audit, "alice", "ask", name)
        _, chat, _ = alice.predict([handle_file(str(planted))], [], name, fn_index=upload)
        assert "invalid collection name" in _said(chat) or MISSING.format(name) in _said(chat)
        _refused_once(audit, "alice", "upload", name)
    assert _chunks(index_dir) == before
    assert not list(index_dir.parent.rglob("planted.txt")) and not Path("/etc/passwd/planted.txt").exists()


# --- the API: keys scoped to collections ------------------------------------------------------------------


def _rag_keys(team: dict[str, Any], *args: str) -> str:
    """``rag keys ARGS`` over the team's index; its output."""
    done = subprocess.run(
        [sys.executable, "-m", "rag.cli", "keys", *args, "--index-dir", str(team["index"])],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _openai(team: dict[str, Any], key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{team['url']}v1", api_key=key, max_retries=0, timeout=300)


def test_an_hr_key_opens_hr_only_and_a_revoked_key_nothing(team):
    audit, index_dir = team["audit"], team["index"]
    output = _rag_keys(team, "create", "--collection", "hr-docs", "--read")
    key = output.strip().splitlines()[-1]
    key_id = key.split("-")[1]
    assert key.startswith("rag-") and key not in (index_dir / "keys.json").read_text()
    before = _chunks(index_dir)
    audit.new()

    client = _openai(team, key)
    assert [model.id for model in client.models.list().data] == ["rag:hr-docs"]  # only the key's collection
    assert [(line["action"], line["key"]) for line in audit.new()] == [("key_used", key_id)]
    message = {"role": "user", "content": ENG_QUESTION}
    errors = []
    for model in ("rag:eng-docs", "rag:no-such-collection", "rag:../eng-docs", "rag:private-bob"):
        with pytest.raises(openai.NotFoundError) as error:
            client.chat.completions.create(model=model, messages=[message])
        errors.append(error.value.body["message"].replace(model, "MODEL"))
        lines = audit.new()
        assert [line["action"] for line in lines] == ["key_used", "refused"], lines
        assert lines[1]["key"] == key_id and lines[1]["collection"] == model.removeprefix("rag:")
    assert len(set(errors)) == 1, errors  # a collection the key may not read is one that does not exist
    answer = client.chat.completions.create(model="rag:hr-docs", messages=[{"role": "user", "content": HR_QUESTION}])
    assert "sixteen weeks" in answer.choices[0].message.content
    assert [line["action"] for line in audit.new()] == ["key_used", "ask"]

    # A key bound to bob never reads what bob may not read.
    bobs = _rag_keys(team, "create", "--user", "bob", "--collection", "hr-docs", "--read").strip().splitlines()[-1]
    with pytest.raises(openai.NotFoundError):
        _openai(team, bobs).chat.completions.create(model="rag:hr-docs", messages=[message])
    assert _openai(team, bobs).models.list().data == []
    audit.new()

    assert f"revoked key {key_id}" in _rag_keys(team, "revoke", key_id)
    with pytest.raises(openai.AuthenticationError):
        client.models.list()
    line = _refused_once(audit, None, "api", "hr-docs")
    assert line["key"] == key_id and line["reason"] == "the key was revoked"
    no_key = httpx.get(f"{team['url']}v1/models")
    assert no_key.status_code == 401  # with --users, the API needs a key
    _refused_once(audit, None, "api", None)
    assert _chunks(index_dir) == before


def test_the_audit_log_never_holds_a_password_a_key_or_a_question(team):
    key = _rag_keys(team, "create", "--collection", "eng-docs", "--read").strip().splitlines()[-1]
    assert [model.id for model in _openai(team, key).models.list().data] == ["rag:eng-docs"]
    _ask(_client(team, "alice"), HR_QUESTION, "hr-docs")
    text = team["audit"].text()
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines and all({"time", "user", "key", "action", "collection", "document"} <= set(line) for line in lines)
    assert {"login_ok", "ask", "key_used", "refused"} <= {line["action"] for line in lines}
    assert not any(password in text for password in PASSWORDS.values())
    assert key not in text and key.split("-")[1] in text  # the key's id, never the key
    assert HR_QUESTION not in text and ENG_QUESTION not in text  # no --audit-questions
    assert all("question" not in line for line in lines)


def test_a_failed_login_is_audited_with_the_user_name_only(team):
    audit = team["audit"]
    audit.new()
    with pytest.raises(ValueError, match="Could not login"):
        Client(team["url"], auth=("alice", "wrong-password-9"), verbose=False)
    lines = audit.new()
    assert [(line["action"], line["user"]) for line in lines] == [("login_failed", "alice")]
    assert "wrong-password-9" not in audit.text()


@pytest.mark.server
def test_single_team_mode_lets_every_login_do_everything(tmp_path):
    """``--auth-file`` as before: every login asks every collection; keys made with ``rag keys`` keep to theirs."""
    index_dir = _two_collections(tmp_path)
    logins, audit = tmp_path / "logins.txt", Audit(tmp_path / "audit.jsonl")
    logins.write_text(f"{hash_line('ana', 'ana-pass', n=2**10)}\n{hash_line('bo', 'bo-pass', n=2**10)}\n")
    key = _rag_keys({"index": index_dir}, "create", "--collection", "eng-docs", "--read").strip().splitlines()[-1]
    flags = ["--llm", "extractive", "--auth-file", str(logins), "--audit-log", str(audit.path)]
    with serve_rag(index_dir, tmp_path, *flags) as url:
        for user in ("ana", "bo"):
            client = Client(url, auth=(user, f"{user}-pass"), verbose=False)
            assert "sixteen weeks" in _ask(client, HR_QUESTION, "hr-docs")["text"]
            assert "Kestrel" in _ask(client, ENG_QUESTION, "eng-docs")["text"]
        assert [(line["action"], line["user"]) for line in audit.new()] == [
            ("login_ok", "ana"),
            ("ask", "ana"),
            ("ask", "ana"),
            ("login_ok", "bo"),
            ("ask", "bo"),
            ("ask", "bo"),
        ]
        api = _openai({"url": url}, key)
        assert [model.id for model in api.models.list().data] == ["rag:eng-docs"]
        with pytest.raises(openai.NotFoundError):
            api.chat.completions.create(model="rag:hr-docs", messages=[{"role": "user", "content": HR_QUESTION}])
        assert httpx.get(f"{url}v1/models").status_code == 401  # once a key exists, the API needs one


def test_rag_keys_refuses_a_key_without_a_collection_or_a_right(tmp_path):
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "rag.cli", "keys", *args, "--index-dir", str(tmp_path)]
        return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)

    for args, message in [
        (("create", "--read"), "needs --collection NAME"),
        (("create", "--collection", "hr-docs"), "at least one right"),
        (("create", "--collection", "../hr-docs", "--read"), "invalid collection name"),
        (("revoke", "nope1234"), "no key 'nope1234'"),
    ]:
        done = run(*args)
        assert done.returncode == 1 and message in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert not (tmp_path / "keys.json").exists()
    assert "no keys" in run("list").stdout
    made = run("create", "--collection", "hr-docs", "--read", "--write", "--user", "alice").stdout.splitlines()
    assert made[-1].startswith("rag-") and made[-1] not in run("list").stdout
    assert json.loads(run("list", "--json").stdout)[0].keys() == {
        "id",
        "collection",
        "rights",
        "user",
        "created",
        "revoked",
    }
