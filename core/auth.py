from django.contrib.auth.backends import ModelBackend


class Backend(ModelBackend):
    """Django's backend, and a user of a suspended firm cannot sign in or stay signed in."""

    def user_can_authenticate(self, user) -> bool:
        if not super().user_can_authenticate(user):
            return False
        return user.is_superuser or user.firm_id is None or user.firm.is_active
