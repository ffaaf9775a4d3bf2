"""`retry_while_locked`: a held lock is waited for, anything else fails at once, the wait is bounded."""

import pytest

from pipelines.lockwait import retry_while_locked


class Locked(Exception):
    pass


def _failing(times: int, error: Exception):
    calls = []

    def attempt():
        calls.append(1)
        if len(calls) <= times:
            raise error
        return "opened"

    return attempt, calls


def _is_locked(exc: Exception) -> bool:
    return isinstance(exc, Locked)


def test_a_held_lock_is_tried_again_until_it_is_released():
    attempt, calls = _failing(2, Locked("Could not set lock"))
    assert retry_while_locked(attempt, _is_locked, wait=30) == "opened"
    assert len(calls) == 3


def test_any_other_error_fails_at_once():
    attempt, calls = _failing(1, ValueError("not a lock"))
    with pytest.raises(ValueError, match="not a lock"):
        retry_while_locked(attempt, _is_locked, wait=30)
    assert len(calls) == 1


def test_the_wait_is_bounded():
    attempt, calls = _failing(1000, Locked("still held"))
    with pytest.raises(Locked, match="still held"):
        retry_while_locked(attempt, _is_locked, wait=0)
    assert len(calls) == 1
