"""A state machine's table in the tests (docs/architecture.md §5.5): each test file restates
its machine as {status: [allowed targets]}, the every-pair tests walk it."""

from core.errors import InvalidTransition


def allowed_moves(allowed: dict[str, list[str]]) -> list[tuple[str, str]]:
    """Every (source, target) move the table allows."""
    return [(source, target) for source in allowed for target in allowed[source]]


def refused_moves(allowed: dict[str, list[str]]) -> list[tuple[str, str]]:
    """Every (source, target) move between the table's statuses that it does not allow."""
    return [(source, target) for source in allowed for target in allowed
            if target not in allowed[source]]


def assert_move_refused(refused: InvalidTransition, source: str, target: str,
                        allowed: dict[str, list[str]]) -> None:
    """A refused move answers 409 invalid_transition naming the move and the allowed targets."""
    assert refused.status_code == 409
    assert refused.code == "invalid_transition"
    assert refused.details == {"from": source, "to": target, "allowed": sorted(allowed[source])}
