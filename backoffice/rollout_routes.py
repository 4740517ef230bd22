"""Operator routes for staged rollouts (the logic: :mod:`backoffice.rollouts`): list, pause, resume.

A rollout starts with its publication (``POST /operator/bundles`` with a ``rollout`` plan) and ends
done, halted by itself, or withdrawn (``POST /operator/bundles/{group}/{version}/withdraw``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path

from backoffice import rollouts
from backoffice.operator_auth import OP_ERRORS, Publisher, Reader
from backoffice.state import State
from wire import signing

router = APIRouter(prefix=f"{signing.API}/operator/rollouts")


@router.get("", responses=OP_ERRORS)
def list_rollouts(bo: State, _actor: Reader) -> list[dict[str, Any]]:
    return [rollouts.evaluate(bo, r["group"]) or r for r in rollouts.all_rollouts(bo)]


@router.post(
    "/{group}/{action}",
    responses={
        **OP_ERRORS,
        404: {"description": "no rollout for the group"},
        409: {"description": "the rollout is not in a state for this"},
    },
)
def change_rollout(
    group: Annotated[str, Path(max_length=64)],
    action: Literal["pause", "resume"],
    bo: State,
    _actor: Publisher,
) -> dict[str, Any]:
    return rollouts.change(bo, group, action)
