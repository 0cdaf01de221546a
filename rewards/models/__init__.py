"""The rewards app's tables: the ledger every program writes (``ledger``), and one module per program for
its settings and working rows."""

from rewards.models.best_practices import (
    CheckResult,
    ComplianceStanding,
    ComplianceTier,
    Practice,
    PracticeCheck,
)
from rewards.models.ledger import MONEY, Program, Reward, RewardKind, RewardStatus
from rewards.models.referrals import (
    Introduction,
    IntroductionStatus,
    Prospect,
    Referral,
    ReferralProfile,
    ReferralProgram,
    ReferralStatus,
)
from rewards.models.utilization import (
    EvaluationBasis,
    EvaluationOutcome,
    UtilizationEvaluation,
    UtilizationProgram,
    UtilizationTier,
)

__all__ = [
    "MONEY",
    "CheckResult",
    "ComplianceStanding",
    "ComplianceTier",
    "EvaluationBasis",
    "EvaluationOutcome",
    "Introduction",
    "IntroductionStatus",
    "Practice",
    "PracticeCheck",
    "Program",
    "Prospect",
    "Referral",
    "ReferralProfile",
    "ReferralProgram",
    "ReferralStatus",
    "Reward",
    "RewardKind",
    "RewardStatus",
    "UtilizationEvaluation",
    "UtilizationProgram",
    "UtilizationTier",
]
