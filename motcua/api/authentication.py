from rest_framework.authentication import TokenAuthentication


class BearerTokenAuthentication(TokenAuthentication):
    """`Authorization: Bearer <token>` (DRF's default keyword is `Token`)."""

    keyword = "Bearer"
