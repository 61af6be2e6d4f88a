"""Password policy (NIST SP 800-63B in spirit) and Argon2id hashing with bounded memory."""
from __future__ import annotations

import gzip
import threading
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from review.errors import ValidationError

MIN_LENGTH = 8  # NIST's minimum for a password the user chose; no composition rules, a blocklist instead
MAX_LENGTH = 256  # long passphrases are welcome; a megabyte "password" is not
MIN_DISTINCT = 4  # "        ", "aaaaaaaa", "abababab"
COMMON_PASSWORDS = Path(__file__).parent / "data" / "common-passwords.txt.gz"
CONTEXT_WORDS = ("tabayyun", "تبين", "تبيّن")

_hasher = PasswordHasher()  # Argon2id, 64 MiB and 3 passes per hash (argon2-cffi's RFC 9106 low-memory profile)
# Every hash or check holds 64 MiB: at most two at once per process, so 32 parallel login attempts cost 128 MiB,
# not 2 GB (the others wait their turn).
_ARGON2_SLOTS = threading.BoundedSemaphore(2)


@cache
def common_passwords() -> frozenset[str]:
    """The shipped blocklist, lower-cased (review/data/README.md says where it comes from)."""
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip("\n").lower() for line in handle if line.strip())


def check_password(password: str, *, name: str = "") -> None:
    """ValidationError('password', why) unless ``password`` is acceptable for the user called ``name``."""
    if len(password) < MIN_LENGTH:
        raise ValidationError("password", f"must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise ValidationError("password", f"must be at most {MAX_LENGTH} characters")
    folded = password.casefold()
    if len(set(folded.replace(" ", ""))) < MIN_DISTINCT:
        raise ValidationError("password", f"needs at least {MIN_DISTINCT} different characters besides spaces")
    if folded in common_passwords() or folded.strip() in common_passwords():
        raise ValidationError("password", "is one of the most common passwords: choose another")
    words = [name.strip().casefold(), *CONTEXT_WORDS]
    stripped = folded.replace(" ", "")
    for word in (w for w in words if len(w) >= 3):
        if word in folded and len(stripped) - len(word.replace(" ", "")) < MIN_LENGTH:
            raise ValidationError("password", "must not be built on your user name or the product's name")


def hash_password(password: str) -> str:
    """The Argon2id hash to store."""
    with _ARGON2_SLOTS:
        return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True when ``password`` matches ``stored_hash``."""
    with _ARGON2_SLOTS:
        try:
            return _hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False
