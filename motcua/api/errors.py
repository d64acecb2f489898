"""Every API error is JSON `{"code": <stable code>, "detail": <translated text>}`.

Validation errors add `errors` (field → messages); a bad query parameter adds `parameter`.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler


class ApiError(exceptions.APIException):
    """An error with a stable machine code and a translated message."""

    def __init__(self, code: str, detail: str, status_code: int = 400, **extra):
        self.status_code = status_code
        self.error_code = code
        self.extra = extra
        super().__init__(detail=detail, code=code)


class BadParameter(ApiError):
    def __init__(self, parameter: str, detail: str):
        super().__init__(
            "invalid_parameter", detail, status.HTTP_400_BAD_REQUEST, parameter=parameter
        )


_DEFAULT_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    429: "throttled",
}


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Không tìm thấy."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(_("Bạn không có quyền thực hiện thao tác này."))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    body: dict = {}
    if isinstance(exc, ApiError):
        body = {"code": exc.error_code, "detail": str(exc.detail), **exc.extra}
    elif isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body = {"code": "invalid", "detail": _("Dữ liệu không hợp lệ."), "errors": errors}
    else:
        detail = exc.detail if hasattr(exc, "detail") else str(exc)
        code = getattr(detail, "code", None) or _DEFAULT_CODES.get(response.status_code, "error")
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            detail = _("Bạn cần đăng nhập (Authorization: Bearer <token>).")
            code = "not_authenticated"
        elif isinstance(exc, exceptions.PermissionDenied):
            detail = _("Bạn không có quyền thực hiện thao tác này.")
        elif isinstance(exc, exceptions.Throttled):
            detail = _("Quá nhiều yêu cầu; vui lòng thử lại sau %(seconds)s giây.") % {
                "seconds": int(exc.wait or 1)
            }
            code = "throttled"
        elif isinstance(exc, exceptions.MethodNotAllowed):
            detail = _("Phương thức không được hỗ trợ.")
        body = {"code": str(code), "detail": str(detail)}
    response.data = body
    return response
