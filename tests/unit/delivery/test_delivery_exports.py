"""The delivery package's public surface."""

from __future__ import annotations

import runagent_pulse.delivery as delivery


def test_all_is_sorted_and_importable() -> None:
    assert delivery.__all__ == sorted(delivery.__all__)
    for name in delivery.__all__:
        assert getattr(delivery, name) is not None


def test_signature_error_code() -> None:
    assert delivery.SignatureError.code == "invalid_signature"
    assert delivery.SignatureError("x").http_status == 401
