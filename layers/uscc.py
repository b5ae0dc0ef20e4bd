"""统一社会信用代码 (unified social credit code, GB 32100-2015): validation and check character.

The database enforces the same rule (``uscc_valid`` in db/migrations/0001_core.sql); this module
gives early, explained errors and lets generators make valid codes.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_char(first17: str) -> str:
    """The 18th (check) character for the first 17 characters."""
    if len(first17) != 17:
        raise ValueError("统一社会信用代码前17位长度应为17 (need 17 characters)")
    total = 0
    for ch, w in zip(first17, WEIGHTS, strict=True):
        idx = ALPHABET.find(ch)
        if idx < 0:
            raise ValueError(f"统一社会信用代码含非法字符 {ch!r} (invalid character)")
        total += idx * w
    return ALPHABET[(31 - total % 31) % 31]


def validate(code: str) -> str | None:
    """None when valid, else the reason in Chinese (with English)."""
    if not isinstance(code, str):
        return "统一社会信用代码应为文本 (must be text)"
    c = code.strip().upper()
    if len(c) != 18:
        return f"统一社会信用代码应为18位, 实为{len(c)}位 (must have 18 characters)"
    bad = [ch for ch in c if ch not in ALPHABET]
    if bad:
        return f"统一社会信用代码含非法字符 {''.join(bad)!r} (I, O, S, V, Z are not used)"
    expected = check_char(c[:17])
    if c[17] != expected:
        return f"统一社会信用代码校验码错误: 应为 {expected}, 实为 {c[17]} (check character mismatch)"
    return None


def is_valid(code: str) -> bool:
    return validate(code) is None
