"""The rewards app's tables: the ledger every program writes (``ledger``), and one module per program for
its settings and working rows."""

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

__all__ = [
    "MONEY",
    "Introduction",
    "IntroductionStatus",
    "Program",
    "Prospect",
    "Referral",
    "ReferralProfile",
    "ReferralProgram",
    "ReferralStatus",
    "Reward",
    "RewardKind",
    "RewardStatus",
]
