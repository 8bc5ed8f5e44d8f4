"""Password hashing with argon2id (argon2-cffi's PasswordHasher).

`verify` answers whether the password matches and whether the stored hash should be
replaced (its parameters are older than the current ones); `verify_dummy` spends the same
time on an unknown login as on a known one.
"""

from __future__ import annotations

import dataclasses

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


@dataclasses.dataclass(frozen=True)
class HashParameters:
    time_cost: int = 3
    memory_cost_kib: int = 65536
    parallelism: int = 4


class Passwords:
    def __init__(self, parameters: HashParameters | None = None) -> None:
        p = parameters or HashParameters()
        self.hasher = PasswordHasher(time_cost=p.time_cost, memory_cost=p.memory_cost_kib, parallelism=p.parallelism)
        self._dummy = self.hasher.hash("linli-dummy-password-for-unknown-logins")

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, stored_hash: str, password: str) -> tuple[bool, bool]:
        """(matches, needs rehash)."""
        try:
            self.hasher.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False, False
        return True, self.hasher.check_needs_rehash(stored_hash)

    def verify_dummy(self, password: str) -> None:
        self.verify(self._dummy, password)
