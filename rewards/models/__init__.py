"""The rewards app's tables: the ledger every program writes (``ledger``), and one module per program for
its settings and working rows."""

from rewards.models.anniversaries import AnniversaryStep, RelationshipStart
from rewards.models.best_practices import (
    CheckResult,
    ComplianceStanding,
    ComplianceTier,
    Practice,
    PracticeCheck,
)
from rewards.models.customer_of_the_month import (
    MonthlyAward,
    Nomination,
    NominationReason,
    Spotlight,
    Vote,
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
    "AnniversaryStep",
    "CheckResult",
    "ComplianceStanding",
    "ComplianceTier",
    "EvaluationBasis",
    "EvaluationOutcome",
    "Introduction",
    "IntroductionStatus",
    "MonthlyAward",
    "Nomination",
    "NominationReason",
    "Practice",
    "PracticeCheck",
    "Program",
    "Prospect",
    "Referral",
    "ReferralProfile",
    "ReferralProgram",
    "ReferralStatus",
    "RelationshipStart",
    "Reward",
    "RewardKind",
    "RewardStatus",
    "Spotlight",
    "UtilizationEvaluation",
    "UtilizationProgram",
    "UtilizationTier",
    "Vote",
]
