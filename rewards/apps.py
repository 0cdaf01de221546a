from django.apps import AppConfig


class RewardsConfig(AppConfig):
    name = "rewards"
    verbose_name = "Rewards"

    def ready(self):
        from clients.panels import register_client_panel
        from rewards import (
            handlers,  # noqa: F401  (subscribes to the bus)
            standing,
        )
        from rewards import referral_selectors as referral_sections
        from rewards.anniversaries import grant_anniversary_rewards
        from rewards.best_practices import best_practices_standing, grant_best_practice_tiers
        from rewards.client_panel import rewards_panel
        from rewards.customer_of_the_month import choose_customers_of_the_month
        from rewards.models import Program
        from rewards.programs import register_program
        from rewards.referral_panel import referrals_panel
        from rewards.referrals import grant_referral_credits
        from rewards.sections import register_section
        from rewards.utilization import grant_utilization_rewards
        from rewards.utilization_standing import portal_section, staff_section

        register_client_panel("rewards", rewards_panel)
        register_program(Program.ANNIVERSARY, grant_anniversary_rewards)
        register_program(Program.CUSTOMER_OF_THE_MONTH, choose_customers_of_the_month)
        for audience in ("staff", "portal"):
            register_section(
                Program.ANNIVERSARY,
                audience=audience,
                template=f"rewards/sections/anniversary_{audience}.html",
                build=standing.anniversary_section,
            )
            register_section(
                Program.CUSTOMER_OF_THE_MONTH,
                audience=audience,
                template=f"rewards/sections/customer_of_the_month_{audience}.html",
                build=standing.customer_of_the_month_section,
            )
        register_client_panel("referrals", referrals_panel)
        register_program(Program.UTILIZATION, grant_utilization_rewards)
        register_section(
            Program.UTILIZATION,
            audience="portal",
            template="rewards/sections/utilization_portal.html",
            build=portal_section,
        )
        register_section(
            Program.UTILIZATION,
            audience="staff",
            template="rewards/sections/utilization_staff.html",
            build=staff_section,
        )
        register_program(Program.BEST_PRACTICES, grant_best_practice_tiers)
        for audience in ("portal", "staff"):
            register_section(
                Program.BEST_PRACTICES,
                audience=audience,
                template=f"rewards/sections/best_practices_{audience}.html",
                build=best_practices_standing,
            )
        register_program(Program.REFERRAL, grant_referral_credits)
        register_section(
            Program.REFERRAL,
            audience="portal",
            template="rewards/sections/referrals_portal.html",
            build=referral_sections.portal_section,
        )
        register_section(
            Program.REFERRAL,
            audience="staff",
            template="rewards/sections/referrals_staff.html",
            build=referral_sections.staff_section,
        )
