"""The contract of a document's action declaration: for every status of its state machine,
the actions `<document>_available_actions` offers are exactly those whose service succeeds.

A document's test calls `assert_declaration_follows_machine` with a factory that builds the
document in a given status; each action is tried in a savepoint that is rolled back, so one
document serves every action.
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core.errors import ApplicationError
from core.kit.actions import DocumentActions


class _Rollback(Exception):
    pass


def action_succeeds(declaration: DocumentActions, name: str, *, document, user,
                    data: dict | None = None) -> tuple[bool, str]:
    """Whether the action's service accepts the document now (nothing is kept either way)."""
    action = declaration.get(name)
    try:
        with transaction.atomic():
            declaration.perform(action, document=document, actor=user, reason="walk",
                                data=data)
            raise _Rollback
    except _Rollback:
        return True, ""
    except (ApplicationError, ValidationError) as error:
        return False, str(getattr(error, "code", "")) or str(error)


def assert_declaration_follows_machine(declaration: DocumentActions, *,
                                       make: Callable[[str], Any], statuses: list[str], user,
                                       inputs: dict[str, Callable[[Any], dict]] | None = None
                                       ) -> dict[str, list[str]]:
    """For each status, `available` must name exactly the actions whose service succeeds for
    `user` (who holds every permission). Returns status -> available action names."""
    inputs = inputs or {}
    offered: dict[str, list[str]] = {}
    mismatches = []
    for status in statuses:
        document = make(status)
        available = set(declaration.available(document=document, user=user))
        unknown = available - set(declaration.by_name)
        assert not unknown, f"{status}: undeclared actions offered {unknown}"
        offered[status] = sorted(available)
        for action in declaration.actions:
            # A fresh copy each time: a service may change the instance it is given.
            fresh = declaration.model._base_manager.get(pk=document.pk)
            data = inputs[action.name](fresh) if action.name in inputs else None
            succeeded, why = action_succeeds(declaration, action.name, document=fresh,
                                             user=user, data=data)
            if succeeded != (action.name in available):
                mismatches.append(f"{status}/{action.name}: offered="
                                  f"{action.name in available} service={succeeded} {why}")
    assert not mismatches, "\n".join(mismatches)
    return offered
