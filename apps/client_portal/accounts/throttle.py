"""Counting attempts in the cache: "at most N in a window" per key."""

from django.core.cache import cache


def _key(scope: str, ident: str) -> str:
    return f"cp:throttle:{scope}:{ident}"


def is_blocked(scope: str, ident: str, limit: int) -> bool:
    return (cache.get(_key(scope, ident)) or 0) >= limit


def hit(scope: str, ident: str, window: int) -> int:
    """Count one attempt; the window starts with the first one."""
    key = _key(scope, ident)
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return 1


def consume(scope: str, ident: str, limit: int, window: int) -> bool:
    """Count one attempt; False when this one is over the limit."""
    if is_blocked(scope, ident, limit):
        return False
    hit(scope, ident, window)
    return True


def reset(scope: str, ident: str) -> None:
    cache.delete(_key(scope, ident))
