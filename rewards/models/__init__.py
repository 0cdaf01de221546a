"""The rewards app's tables: the ledger every program writes (``ledger``), and one module per program for
its settings and working rows."""

from rewards.models.ledger import MONEY, Program, Reward, RewardKind, RewardStatus

__all__ = ["MONEY", "Program", "Reward", "RewardKind", "RewardStatus"]
