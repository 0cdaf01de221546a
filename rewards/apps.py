from django.apps import AppConfig


class RewardsConfig(AppConfig):
    name = "rewards"
    verbose_name = "Rewards"

    def ready(self):
        from clients.panels import register_client_panel
        from rewards import handlers  # noqa: F401  (subscribes to the bus)
        from rewards.client_panel import referrals_panel
        from rewards.models import Program
        from rewards.programs import register_program
        from rewards.referral_selectors import portal_section, staff_section
        from rewards.referrals import grant_referral_credits
        from rewards.sections import register_section

        register_program(Program.REFERRAL, grant_referral_credits)
        register_client_panel("referrals", referrals_panel)
        register_section(
            Program.REFERRAL,
            audience="portal",
            template="rewards/sections/referrals_portal.html",
            build=portal_section,
        )
        register_section(
            Program.REFERRAL,
            audience="staff",
            template="rewards/sections/referrals_staff.html",
            build=staff_section,
        )
