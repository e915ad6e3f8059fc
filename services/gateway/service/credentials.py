"""Secrets the gateway keeps only as hashes. Passwords and client secrets are argon2id hashes (argon2-cffi),
verified off the event loop; refresh tokens are long and random, so SHA-256 is enough for them."""

import asyncio
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

hasher = PasswordHasher()
# Verified when the account is unknown, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = hasher.hash(secrets.token_urlsafe(16))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def verify_secret(stored_hash: str | None, offered: str) -> bool:
    def check() -> bool:
        try:
            return hasher.verify(stored_hash or _DUMMY_HASH, offered) and stored_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)


async def hash_secret(secret: str) -> str:
    return await asyncio.to_thread(hasher.hash, secret)


def needs_rehash(stored_hash: str) -> bool:
    return hasher.check_needs_rehash(stored_hash)
