"""store.link_seal: AES-GCM sealed personal links (issue 14). Rotation (first key seals, all unseal),
a link bound to its outbox row, tampering refused, and bodies from before sealing redacted."""

from __future__ import annotations

import pytest

from store.link_seal import LinkSeal, new_key, personal_body, redact_links

LINK = "https://engage.example/s/AbCdEfGhIjKlMnOpQrStUvWxYz012345"


def test_the_first_key_seals_and_every_key_unseals_so_keys_can_rotate() -> None:
    old, new = new_key(), new_key()
    sealed_before = LinkSeal.from_setting(old).seal(LINK, "row-1")
    rotated = LinkSeal.from_setting(f"{new}, {old}")
    assert rotated.unseal(sealed_before, "row-1") == LINK
    sealed_after = rotated.seal(LINK, "row-1")
    assert LinkSeal.from_setting(new).unseal(sealed_after, "row-1") == LINK
    assert LinkSeal.from_setting(old).unseal(sealed_after, "row-1") is None
    assert "/s/" not in sealed_after and LINK not in sealed_after


def test_a_sealed_link_opens_only_on_its_own_row_and_not_once_tampered_with() -> None:
    seal = LinkSeal.from_setting(new_key())
    sealed = seal.seal(LINK, "followup/p:w0:invite:r1")
    assert seal.unseal(sealed, "followup/p:w0:invite:r2") is None
    flipped = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    assert seal.unseal(flipped, "followup/p:w0:invite:r1") is None
    assert seal.unseal("not sealed at all", "followup/p:w0:invite:r1") is None


@pytest.mark.parametrize("setting", ["not base64 !!", "dG9vLXNob3J0"])
def test_a_key_that_is_not_32_bytes_of_base64url_is_refused(setting: str) -> None:
    with pytest.raises(ValueError, match="ENGAGE_OUTBOX_KEY"):
        LinkSeal.from_setting(setting)


def test_placeholders_become_the_links_and_old_clear_links_are_redacted() -> None:
    body = "Dear Ada,\n[personal survey link]\nTo opt out: [personal opt-out link]\n"
    sent = personal_body(body, LINK)
    assert sent == f"Dear Ada,\n{LINK}\nTo opt out: {LINK}/opt-out\n"
    assert redact_links(sent) == body
    assert redact_links("See https://engage.example/projects/abc") == "See https://engage.example/projects/abc"
