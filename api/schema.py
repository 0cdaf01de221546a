"""The partner API's OpenAPI generation: drf-standardized-errors' error responses, tidied."""

from drf_standardized_errors.openapi import AutoSchema as StandardizedErrorsAutoSchema


class ApiAutoSchema(StandardizedErrorsAutoSchema):
    def get_auth(self):
        # SPECTACULAR_SETTINGS["SECURITY"] names ApiKey again after the one our authentication extension
        # already lists: keep each security requirement once.
        requirements = []
        for requirement in super().get_auth():
            if requirement not in requirements:
                requirements.append(requirement)
        return requirements
