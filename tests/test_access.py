"""The users file, the rights it gives, and the API key store (``rag/access.py``)."""

from __future__ import annotations

import json
import stat
import tomllib

import pytest

from rag.access import AccessError, AccessPolicy, AccessRules, Caller, KeyStore, Right
from rag.errors import RagError

HASH = "scrypt$1024$8$1$c2FsdA==$aGFzaA=="
USERS = f"""
[users.alice]
password_hash = "{HASH}"
groups = ["hr"]
role = "editor"
private = true

[users.bob]
password_hash = "{HASH}"
groups = ["eng"]
role = "editor"
private = "bob-notes"

[users.carol]
password_hash = "{HASH}"
groups = ["hr"]
role = "reader"

[users.root]
password_hash = "{HASH}"
role = "admin"

[collections.hr-docs]
read = ["group:hr"]
write = ["group:hr"]
delete = ["group:hr"]

[collections.eng-docs]
read = ["group:eng", "carol"]
write = ["group:eng"]

[collections.handbook]
read = ["*"]
"""
R, W, D = Right.READ, Right.WRITE, Right.DELETE


def _rules(text: str = USERS) -> AccessRules:
    return AccessRules.parse(tomllib.loads(text))


def test_rights_follow_groups_roles_and_private_collections():
    rules = _rules()
    assert rules.rights("alice", "hr-docs") == {R, W, D}
    assert rules.rights("alice", "eng-docs") == set()
    assert rules.rights("bob", "eng-docs") == {R, W} and rules.rights("bob", "hr-docs") == set()
    assert rules.rights("carol", "hr-docs") == {R}  # a reader reads, whatever the rules give her group
    assert rules.rights("carol", "eng-docs") == {R}  # named by user name
    assert all(rules.rights(user, "handbook") == {R} for user in ("alice", "bob", "carol"))
    assert rules.rights("root", "anything-else") == {R, W, D}  # an admin: everything
    assert rules.rights("alice", "private-alice") == {R, W, D} and rules.rights("bob", "private-alice") == set()
    assert rules.rights("bob", "bob-notes") == {R, W, D}
    assert rules.rights("mallory", "handbook") == set() and rules.rights(None, "handbook") == set()
    assert rules.named() == ["bob-notes", "eng-docs", "handbook", "hr-docs", "private-alice"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("[collections.handbook]", '[collections.handbook]\nreed = ["*"]'), "unknown key 'reed'"),
        (('read = ["group:eng", "carol"]', 'read = ["group:engineering"]'), "no group 'engineering'"),
        (('read = ["group:eng", "carol"]', 'read = ["caroll"]'), "no user 'caroll'"),
        (('role = "admin"', 'role = "root"'), "role must be one of admin, editor, reader"),
        (('private = "bob-notes"', 'private = "hr-docs"'), "hr-docs is a private collection"),
        (('private = "bob-notes"', 'private = "../x"'), "private must be true, false or a collection name"),
        (("[collections.handbook]", "[collections.'../etc']"), "invalid collection name '../etc'"),
        ((f'password_hash = "{HASH}"\nrole = "admin"', 'password_hash = "hunter2"\nrole = "admin"'), "scrypt"),
    ],
)
def test_a_mistake_in_the_users_file_is_named(change, message):
    with pytest.raises(RagError, match=message.replace(".", r"\.")):
        _rules(USERS.replace(*change))


def test_a_users_file_that_cannot_be_read_says_why(tmp_path):
    with pytest.raises(AccessError, match="cannot read it"):
        AccessRules.read(tmp_path / "missing.toml")
    broken = tmp_path / "users.toml"
    broken.write_text("[users.alice\n")
    with pytest.raises(AccessError, match="not valid TOML"):
        AccessRules.read(broken)


def test_keys_are_stored_as_hashes_and_revoked_keys_open_nothing(tmp_path):
    store = KeyStore(tmp_path)
    assert not store.exists()
    key, token = store.create("hr-docs", [R], user="alice")
    assert token.startswith(f"rag-{key.id}-") and len(token) > 40
    text = store.path.read_text()
    assert token not in text and key.sha256 in text
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert store.find(token) == key and store.find(token + "x") is None and store.find("") is None
    assert key.rights_on("hr-docs") == {R} and key.rights_on("eng-docs") == set()

    revoked = store.revoke(key.id)
    assert revoked.revoked and store.find(token) == revoked and revoked.rights_on("hr-docs") == set()
    assert [k.id for k in store.listed()] == [key.id]  # still listed
    with pytest.raises(AccessError, match="no key 'nope'"):
        store.revoke("nope")
    for bad in (("../x", [R]), ("hr-docs", [])):
        with pytest.raises(RagError):
            store.create(*bad)
    assert len(json.loads(store.path.read_text())) == 1


def test_a_key_never_has_more_rights_than_its_user(tmp_path):
    store = KeyStore(tmp_path)
    policy = AccessPolicy(_rules())
    bobs, _ = store.create("hr-docs", [R, W], user="bob")  # bob may not read hr-docs
    carols, _ = store.create("hr-docs", [R, W], user="carol")  # carol only reads
    operators, _ = store.create("hr-docs", [R])  # no user: the key's own scope
    assert policy.rights(Caller(key=bobs), "hr-docs") == set()
    assert policy.rights(Caller(key=carols), "hr-docs") == {R}
    assert policy.rights(Caller(key=operators), "hr-docs") == {R}
    assert policy.rights(Caller(key=operators), "eng-docs") == set()
    # Without --users (single-team mode) a user may do everything, and a key stays within its scope.
    assert AccessPolicy().rights(Caller(key=bobs), "hr-docs") == {R, W}
    assert AccessPolicy().rights(Caller(user="anyone"), "eng-docs") == {R, W, D}
    assert policy.rights(Caller(unrestricted=True), "eng-docs") == {R, W, D}  # an old --api-key key
