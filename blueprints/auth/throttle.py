"""Sign-in throttling: every attempt is counted, atomically in the shared store, before its password is checked.

The store is the limiter's (RATELIMIT_STORAGE_URI: memory:// within one process, redis://… shared by every gunicorn
worker). Each attempt increments a fixed-window counter per client address (LOGIN_IP_RATE_LIMIT) and per 工号
(LOGIN_RATE_LIMIT) in one atomic step (limits' `incr`, a Lua script on Redis) and goes on to the password check only
when the new count is within the limit; so of N simultaneous guesses at most LIMIT are checked and the rest get 429.
A successful sign-in gives its attempt back, so only failures use up the allowance (QUALITY §6, §13).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from flask import current_app, request
from limits import RateLimitItem, parse
from limits.strategies import FixedWindowRateLimiter

from blueprints.core.people import login_key
from extensions import limiter

# Sign-in reads its fields from a form post only, so the counted 工号 is always the one whose password is checked.
FORM_MIMETYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def is_form_post() -> bool:
    """True when the request body is an HTML form (url-encoded or multipart), the only encoding sign-in reads."""
    return request.mimetype in FORM_MIMETYPES


def account_key(employee_no: str | None) -> str:
    """The 工号 as the throttle counts it: NFKC (full-width letters and digits fold to ASCII), trimmed, lower-case."""
    return login_key(employee_no)


@dataclass
class Attempt:
    """One counted sign-in attempt: allowed to check its password, or refused with seconds until it may retry."""

    allowed: bool
    retry_after: int = 0
    counted: list[tuple[RateLimitItem, tuple[str, ...]]] = field(default_factory=list)

    @property
    def retry_minutes(self) -> int:
        """Whole minutes until the refusing window ends (at least 1), for the message."""
        return max(1, math.ceil(self.retry_after / 60))

    def refund(self) -> None:
        """Give the attempt back after a successful sign-in, so the owner signing in often is never throttled.

        A refund rather than a reset: failures before the success stay counted, so the owner signing in does not
        hand someone guessing at the account a fresh allowance. Skipped when the window ended meanwhile (count 0),
        so a new window never starts below zero (a window ending between the two steps can shift one attempt).
        """
        if not self.counted:
            return  # nothing was counted (limits switched off): the limiter may have no storage at all
        storage = limiter.storage
        for item, identifiers in self.counted:
            key = item.key_for(*identifiers)
            if storage.get(key) > 0:
                storage.incr(key, item.get_expiry(), amount=-1)


def _limits(employee_no: str) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
    """The two limits with their identifiers: per client address, then per normalised 工号."""
    config = current_app.config
    prefix = tuple(filter(None, [config.get("RATELIMIT_KEY_PREFIX")]))  # several apps may share one Redis
    return [
        (parse(config["LOGIN_IP_RATE_LIMIT"]), (*prefix, "login-ip", request.remote_addr or "")),
        (parse(config["LOGIN_RATE_LIMIT"]), (*prefix, "login-account", account_key(employee_no))),
    ]


def count_attempt(employee_no: str) -> Attempt:
    """Count this sign-in attempt per address, then per 工号, before any password is checked.

    A refused attempt stays counted and leaves the next counter alone, so guesses refused by the address limit
    do not use up the account's allowance.
    """
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return Attempt(allowed=True)
    strategy = FixedWindowRateLimiter(limiter.storage)
    attempt = Attempt(allowed=True)
    for item, identifiers in _limits(employee_no):
        if not strategy.hit(item, *identifiers):
            reset = strategy.get_window_stats(item, *identifiers).reset_time
            attempt.allowed = False
            attempt.retry_after = max(1, math.ceil(reset - time.time()))
            return attempt
        attempt.counted.append((item, identifiers))
    return attempt
