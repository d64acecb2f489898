from hypothesis import given
from hypothesis import strategies as st

from motcua.common.text import fold


def test_fold_removes_diacritics_and_maps_d():
    assert fold("Đăng ký THƯỜNG TRÚ") == "dang ky thuong tru"
    assert fold("  Hộ   khẩu, hộ tịch! ") == "ho khau ho tich"
    assert fold("Giấy phép xây dựng (nhà ở riêng lẻ)") == "giay phep xay dung nha o rieng le"


@given(st.text())
def test_fold_is_idempotent(text):
    assert fold(fold(text)) == fold(text)
