from django.apps import AppConfig


class RewardsConfig(AppConfig):
    name = "rewards"
    verbose_name = "Rewards"

    def ready(self):
        from rewards.best_practices import best_practices_standing, grant_best_practice_tiers
        from rewards.models import Program
        from rewards.programs import register_program
        from rewards.sections import register_section

        register_program(Program.BEST_PRACTICES, grant_best_practice_tiers)
        for audience in ("portal", "staff"):
            register_section(
                Program.BEST_PRACTICES,
                audience=audience,
                template=f"rewards/sections/best_practices_{audience}.html",
                build=best_practices_standing,
            )
