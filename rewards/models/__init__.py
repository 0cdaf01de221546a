"""The rewards app's tables: the ledger every program writes (``ledger``), and one module per program for
its settings and working rows."""

from rewards.models.ledger import MONEY, Program, Reward, RewardKind, RewardStatus
from rewards.models.utilization import (
    EvaluationBasis,
    EvaluationOutcome,
    UtilizationEvaluation,
    UtilizationProgram,
    UtilizationTier,
)

__all__ = [
    "MONEY",
    "EvaluationBasis",
    "EvaluationOutcome",
    "Program",
    "Reward",
    "RewardKind",
    "RewardStatus",
    "UtilizationEvaluation",
    "UtilizationProgram",
    "UtilizationTier",
]
