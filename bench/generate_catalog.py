"""Generate a realistic, varied procedure catalog in the import format (docs/catalog.md).

    python bench/generate_catalog.py 6000 var/catalog-6000.json [--seed 0] [--xlsx]

`generate(n, seed)` is deterministic for a seed and gives unique codes; names, documents, fees
and steps are combined from the vocabulary below (Vietnamese, as a province publishes them).
With --xlsx the output is an Excel workbook in the importer's layout instead of JSON.
"""

import argparse
import json
import random
import sys
from decimal import Decimal
from pathlib import Path

# Per field: the things its procedures are about, their usual documents, charges and laws.
# `level` is where most of the field's procedures are carried out.
FIELDS = [
    {
        "name": "Hộ tịch",
        "qualifiers": [" có yếu tố nước ngoài", " lưu động"],
        "verbs": ["Đăng ký", "Đăng ký", "Đăng ký lại"],
        "level": "commune",
        "objects": [
            "khai sinh",
            "kết hôn",
            "khai tử",
            "nhận cha, mẹ, con",
            "thay đổi, cải chính, bổ sung thông tin hộ tịch",
            "giám hộ",
            "chấm dứt giám hộ",
            "xác nhận tình trạng hôn nhân",
            "ghi vào Sổ hộ tịch việc ly hôn đã được giải quyết ở nước ngoài",
            "khai sinh, nhận cha, mẹ, con",
        ],
        "documents": [
            "Tờ khai đăng ký khai sinh",
            "Giấy chứng sinh hoặc văn bản của người làm chứng xác nhận về việc sinh",
            "Tờ khai đăng ký kết hôn",
            "Giấy xác nhận tình trạng hôn nhân",
            "Giấy báo tử hoặc giấy tờ thay thế giấy báo tử",
            "Văn bản ủy quyền có chứng thực (trường hợp ủy quyền)",
            "Giấy tờ chứng minh quan hệ cha, mẹ, con",
            "Trích lục ly hôn hoặc bản án, quyết định ly hôn đã có hiệu lực",
        ],
        "forms": ["Mẫu TP/HT-2020-KS.1", "Mẫu TP/HT-2020-KH.1", "Mẫu TP/HT-2020-KT.1"],
        "fees": [("Lệ phí đăng ký hộ tịch", "charge", [5000, 8000, 10000, 15000, 1000000])],
        "legal": [
            "Luật Hộ tịch số 60/2014/QH13",
            "Nghị định số 123/2015/NĐ-CP",
            "Thông tư số 04/2020/TT-BTP",
            "Thông tư số 85/2019/TT-BTC",
        ],
        "result": "Trích lục {object}",
    },
    {
        "name": "Chứng thực",
        "verbs": ["Chứng thực"],
        "level": "commune",
        "objects": [
            "bản sao từ bản chính giấy tờ, văn bản",
            "chữ ký trong các giấy tờ, văn bản",
            "hợp đồng, giao dịch liên quan đến tài sản là động sản",
            "di chúc",
            "văn bản thỏa thuận phân chia di sản",
            "văn bản khai nhận di sản",
            "việc sửa lỗi sai sót trong hợp đồng, giao dịch",
        ],
        "documents": [
            "Bản chính giấy tờ, văn bản làm cơ sở để chứng thực bản sao",
            "Giấy tờ tùy thân còn giá trị sử dụng",
            "Dự thảo hợp đồng, giao dịch",
            "Giấy tờ chứng minh quyền sở hữu tài sản",
            "Giấy tờ, văn bản cần chứng thực chữ ký",
        ],
        "forms": [],
        "fees": [("Phí chứng thực", "fee", [2000, 10000, 30000, 50000])],
        "legal": [
            "Nghị định số 23/2015/NĐ-CP",
            "Thông tư số 01/2020/TT-BTP",
            "Thông tư số 226/2016/TT-BTC",
        ],
        "result": "Văn bản được chứng thực",
        "same_day": True,
    },
    {
        "name": "Đất đai",
        "verbs": ["Đăng ký", "Giải quyết thủ tục"],
        "level": "province",
        "objects": [
            "giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
            "biến động quyền sử dụng đất",
            "chuyển mục đích sử dụng đất",
            "gia hạn sử dụng đất",
            "tách thửa hoặc hợp thửa đất",
            "thế chấp quyền sử dụng đất",
            "giao đất, cho thuê đất",
            "đính chính giấy chứng nhận đã cấp",
        ],
        "documents": [
            "Đơn đăng ký biến động đất đai, tài sản gắn liền với đất",
            "Giấy chứng nhận đã cấp",
            "Hợp đồng, văn bản về việc chuyển quyền sử dụng đất",
            "Mảnh trích đo địa chính thửa đất",
            "Văn bản của người sử dụng đất đồng ý tách thửa, hợp thửa",
            "Chứng từ thực hiện nghĩa vụ tài chính",
            "Sơ đồ nhà ở, công trình xây dựng",
        ],
        "forms": ["Mẫu số 11/ĐK", "Mẫu số 04a/ĐK", "Mẫu số 09/ĐK"],
        "fees": [
            ("Lệ phí cấp giấy chứng nhận", "charge", [25000, 50000, 100000]),
            ("Phí thẩm định hồ sơ cấp giấy chứng nhận", "fee", [500000, 1000000, 1500000]),
        ],
        "legal": [
            "Luật Đất đai số 31/2024/QH15",
            "Nghị định số 101/2024/NĐ-CP",
            "Nghị định số 102/2024/NĐ-CP",
            "Thông tư số 10/2024/TT-BTNMT",
        ],
        "result": "Giấy chứng nhận quyền sử dụng đất hoặc văn bản trả lời",
    },
    {
        "name": "Xây dựng",
        "verbs": ["Thẩm định", "Điều chỉnh"],
        "level": "province",
        "objects": [
            "giấy phép xây dựng nhà ở riêng lẻ",
            "giấy phép xây dựng công trình không theo tuyến",
            "giấy phép sửa chữa, cải tạo công trình",
            "giấy phép di dời công trình",
            "chứng chỉ hành nghề hoạt động xây dựng",
            "chứng chỉ năng lực hoạt động xây dựng",
            "thiết kế xây dựng triển khai sau thiết kế cơ sở",
            "báo cáo nghiên cứu khả thi đầu tư xây dựng",
        ],
        "documents": [
            "Đơn đề nghị cấp giấy phép xây dựng",
            "Giấy tờ hợp pháp về quyền sử dụng đất",
            "Bản vẽ thiết kế xây dựng",
            "Báo cáo kết quả thẩm định thiết kế",
            "Văn bản thẩm duyệt thiết kế về phòng cháy và chữa cháy",
            "Bản kê khai kinh nghiệm hoạt động xây dựng",
            "Ảnh màu 4x6 cm chụp trong thời hạn 06 tháng",
        ],
        "forms": ["Mẫu số 01 Phụ lục II", "Mẫu số 02 Phụ lục IV"],
        "fees": [
            ("Lệ phí cấp giấy phép xây dựng", "charge", [75000, 150000]),
            ("Phí thẩm định thiết kế xây dựng", "fee", [300000, 500000, 2000000]),
        ],
        "legal": [
            "Luật Xây dựng số 50/2014/QH13",
            "Luật số 62/2020/QH14 sửa đổi, bổ sung một số điều của Luật Xây dựng",
            "Nghị định số 15/2021/NĐ-CP",
            "Nghị định số 175/2024/NĐ-CP",
        ],
        "result": "Giấy phép hoặc văn bản trả lời",
    },
    {
        "name": "Thành lập và hoạt động của hộ kinh doanh",
        "verbs": ["Đăng ký"],
        "level": "commune",
        "objects": [
            "thành lập hộ kinh doanh",
            "thay đổi nội dung đăng ký hộ kinh doanh",
            "tạm ngừng kinh doanh của hộ kinh doanh",
            "chấm dứt hoạt động hộ kinh doanh",
            "giấy chứng nhận đăng ký hộ kinh doanh",
        ],
        "documents": [
            "Giấy đề nghị đăng ký hộ kinh doanh",
            "Bản sao giấy tờ pháp lý của cá nhân đối với các thành viên hộ gia đình",
            "Biên bản họp thành viên hộ gia đình về việc thành lập hộ kinh doanh",
            "Thông báo thay đổi nội dung đăng ký hộ kinh doanh",
            "Giấy chứng nhận đăng ký hộ kinh doanh đã cấp",
        ],
        "forms": ["Phụ lục III-1", "Phụ lục III-2", "Phụ lục III-4"],
        "fees": [("Lệ phí đăng ký hộ kinh doanh", "charge", [50000, 100000])],
        "legal": [
            "Nghị định số 01/2021/NĐ-CP",
            "Thông tư số 02/2023/TT-BKHĐT",
            "Thông tư số 47/2019/TT-BTC",
        ],
        "result": "Giấy chứng nhận đăng ký hộ kinh doanh",
    },
    {
        "name": "Thành lập và hoạt động doanh nghiệp",
        "verbs": ["Đăng ký"],
        "level": "province",
        "objects": [
            "thành lập doanh nghiệp tư nhân",
            "thành lập công ty trách nhiệm hữu hạn một thành viên",
            "thành lập công ty cổ phần",
            "thay đổi người đại diện theo pháp luật",
            "thay đổi vốn điều lệ",
            "thành lập chi nhánh, văn phòng đại diện",
            "giải thể doanh nghiệp",
            "tạm ngừng kinh doanh",
        ],
        "documents": [
            "Giấy đề nghị đăng ký doanh nghiệp",
            "Điều lệ công ty",
            "Danh sách thành viên hoặc cổ đông sáng lập",
            "Bản sao giấy tờ pháp lý của cá nhân đối với người đại diện theo pháp luật",
            "Nghị quyết, quyết định của chủ sở hữu công ty",
            "Giấy ủy quyền cho cá nhân nộp hồ sơ",
        ],
        "forms": ["Phụ lục I-1", "Phụ lục I-2", "Phụ lục II-1"],
        "fees": [
            ("Lệ phí đăng ký doanh nghiệp", "charge", [50000]),
            ("Phí công bố nội dung đăng ký doanh nghiệp", "fee", [100000]),
        ],
        "legal": [
            "Luật Doanh nghiệp số 59/2020/QH14",
            "Nghị định số 168/2025/NĐ-CP",
            "Thông tư số 68/2025/TT-BTC",
        ],
        "result": "Giấy chứng nhận đăng ký doanh nghiệp",
    },
    {
        "name": "Lao động",
        "verbs": ["Đăng ký"],
        "level": "province",
        "objects": [
            "giấy phép lao động cho người lao động nước ngoài",
            "xác nhận người lao động nước ngoài không thuộc diện cấp giấy phép lao động",
            "đăng ký nội quy lao động",
            "đăng ký thỏa ước lao động tập thể",
            "giấy phép hoạt động dịch vụ việc làm",
            "giấy phép cho thuê lại lao động",
        ],
        "documents": [
            "Văn bản đề nghị cấp giấy phép lao động",
            "Giấy chứng nhận sức khỏe",
            "Phiếu lý lịch tư pháp",
            "Văn bản chứng minh là nhà quản lý, chuyên gia hoặc lao động kỹ thuật",
            "Hộ chiếu còn giá trị",
            "Nội quy lao động",
        ],
        "forms": ["Mẫu số 11/PLI", "Mẫu số 03/PLI"],
        "fees": [("Lệ phí cấp giấy phép lao động", "charge", [400000, 600000])],
        "legal": [
            "Bộ luật Lao động số 45/2019/QH14",
            "Nghị định số 152/2020/NĐ-CP",
            "Nghị định số 70/2023/NĐ-CP",
        ],
        "result": "Giấy phép hoặc văn bản xác nhận",
    },
    {
        "name": "Bảo trợ xã hội",
        "verbs": ["Giải quyết", "Thôi hưởng", "Điều chỉnh"],
        "level": "commune",
        "objects": [
            "trợ cấp xã hội hằng tháng",
            "hỗ trợ kinh phí chăm sóc, nuôi dưỡng",
            "hỗ trợ chi phí mai táng",
            "xác định, xác định lại mức độ khuyết tật",
            "cấp giấy xác nhận khuyết tật",
            "tiếp nhận đối tượng vào cơ sở trợ giúp xã hội",
            "trợ giúp xã hội khẩn cấp về hỗ trợ làm nhà ở",
        ],
        "documents": [
            "Tờ khai đề nghị trợ giúp xã hội",
            "Giấy xác nhận khuyết tật",
            "Bản sao giấy chứng tử",
            "Đơn đề nghị xác định mức độ khuyết tật",
            "Bản sao hồ sơ bệnh án, giấy tờ khám, điều trị",
        ],
        "forms": ["Mẫu số 1a", "Mẫu số 1b", "Mẫu số 04"],
        "fees": [],
        "legal": ["Nghị định số 20/2021/NĐ-CP", "Thông tư số 01/2019/TT-BLĐTBXH"],
        "result": "Quyết định hưởng chính sách",
    },
    {
        "name": "Người có công",
        "verbs": ["Giải quyết", "Thực hiện"],
        "level": "province",
        "objects": [
            "trợ cấp ưu đãi đối với thân nhân liệt sĩ",
            "giải quyết chế độ mai táng phí đối với người có công",
            "cấp bằng Tổ quốc ghi công",
            "di chuyển hồ sơ người có công với cách mạng",
            "hỗ trợ người có công cải thiện nhà ở",
            "cấp giấy chứng nhận thân nhân liệt sĩ",
        ],
        "documents": [
            "Bản khai cá nhân",
            "Giấy báo tin hy sinh",
            "Giấy tờ chứng minh quan hệ thân nhân",
            "Biên bản họp xác nhận của cơ quan có thẩm quyền",
            "Giấy ủy quyền",
        ],
        "forms": ["Mẫu số 01 Phụ lục I", "Mẫu số 09 Phụ lục I"],
        "fees": [],
        "legal": [
            "Pháp lệnh Ưu đãi người có công với cách mạng số 02/2020/UBTVQH14",
            "Nghị định số 131/2021/NĐ-CP",
        ],
        "result": "Quyết định hưởng chế độ ưu đãi",
    },
    {
        "name": "Giáo dục và Đào tạo",
        "verbs": ["Thủ tục"],
        "level": "province",
        "objects": [
            "thành lập trường trung học phổ thông",
            "cho phép hoạt động giáo dục trường mầm non",
            "chuyển trường đối với học sinh trung học phổ thông",
            "công nhận trường đạt chuẩn quốc gia",
            "cấp bản sao văn bằng, chứng chỉ từ sổ gốc",
            "chỉnh sửa nội dung văn bằng, chứng chỉ",
            "cấp phép hoạt động trung tâm ngoại ngữ, tin học",
        ],
        "documents": [
            "Tờ trình đề nghị",
            "Đề án thành lập",
            "Đơn xin chuyển trường",
            "Học bạ",
            "Bản sao văn bằng, chứng chỉ đề nghị chỉnh sửa",
            "Báo cáo tự đánh giá",
        ],
        "forms": ["Mẫu đơn theo Phụ lục I"],
        "fees": [("Phí cấp bản sao văn bằng, chứng chỉ", "fee", [3000, 10000])],
        "legal": [
            "Luật Giáo dục số 43/2019/QH14",
            "Nghị định số 125/2024/NĐ-CP",
            "Thông tư số 21/2019/TT-BGDĐT",
        ],
        "result": "Quyết định hoặc văn bản trả lời",
    },
    {
        "name": "Y tế",
        "verbs": ["Thủ tục"],
        "level": "province",
        "objects": [
            "giấy phép hoạt động đối với phòng khám đa khoa",
            "giấy phép hành nghề khám bệnh, chữa bệnh",
            "chứng chỉ hành nghề dược",
            "giấy chứng nhận đủ điều kiện kinh doanh dược",
            "giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
            "công bố cơ sở đủ điều kiện sản xuất trang thiết bị y tế",
        ],
        "documents": [
            "Đơn đề nghị cấp giấy phép",
            "Văn bằng chuyên môn phù hợp",
            "Giấy xác nhận quá trình thực hành",
            "Bản kê khai danh sách nhân sự",
            "Bản kê khai cơ sở vật chất, thiết bị y tế",
            "Giấy khám sức khỏe",
        ],
        "forms": ["Mẫu 01 Phụ lục I", "Mẫu số 02 Phụ lục II"],
        "fees": [
            ("Phí thẩm định cấp giấy phép hoạt động", "fee", [3100000, 4300000, 5700000]),
            ("Phí thẩm định cấp chứng chỉ hành nghề", "fee", [360000, 500000]),
        ],
        "legal": [
            "Luật Khám bệnh, chữa bệnh số 15/2023/QH15",
            "Luật Dược số 105/2016/QH13",
            "Nghị định số 96/2023/NĐ-CP",
            "Thông tư số 59/2023/TT-BTC",
        ],
        "result": "Giấy phép hoặc chứng chỉ",
    },
    {
        "name": "Văn hóa",
        "verbs": ["Thủ tục"],
        "level": "province",
        "objects": [
            "giấy phép kinh doanh dịch vụ karaoke",
            "giấy phép tổ chức lễ hội",
            "giấy phép triển lãm mỹ thuật",
            "công nhận danh hiệu gia đình văn hóa",
            "giấy phép phổ biến phim",
            "thông báo tổ chức biểu diễn nghệ thuật",
        ],
        "documents": [
            "Đơn đề nghị cấp giấy phép",
            "Bản sao giấy chứng nhận đăng ký doanh nghiệp hoặc hộ kinh doanh",
            "Kịch bản, danh mục tác phẩm",
            "Văn bản thỏa thuận của chủ sở hữu địa điểm",
        ],
        "forms": ["Mẫu số 01", "Mẫu số 02"],
        "fees": [("Phí thẩm định cấp giấy phép kinh doanh", "fee", [2000000, 4000000, 6000000])],
        "legal": ["Nghị định số 54/2019/NĐ-CP", "Nghị định số 144/2020/NĐ-CP"],
        "result": "Giấy phép hoặc văn bản chấp thuận",
    },
    {
        "name": "Tài nguyên nước",
        "verbs": ["Thủ tục"],
        "level": "province",
        "objects": [
            "giấy phép khai thác, sử dụng nước mặt",
            "giấy phép khai thác nước dưới đất",
            "giấy phép thăm dò nước dưới đất",
            "giấy phép xả nước thải vào nguồn nước",
            "giấy phép hành nghề khoan nước dưới đất",
        ],
        "documents": [
            "Đơn đề nghị cấp giấy phép",
            "Đề án khai thác, sử dụng nước",
            "Kết quả phân tích chất lượng nguồn nước",
            "Sơ đồ vị trí công trình khai thác nước",
            "Báo cáo hiện trạng khai thác",
        ],
        "forms": ["Mẫu 01", "Mẫu 08"],
        "fees": [("Phí thẩm định đề án khai thác, sử dụng nước", "fee", [600000, 1800000])],
        "legal": ["Luật Tài nguyên nước số 28/2023/QH15", "Nghị định số 54/2024/NĐ-CP"],
        "result": "Giấy phép tài nguyên nước",
    },
    {
        "name": "Môi trường",
        "verbs": ["Cấp", "Cấp điều chỉnh"],
        "level": "province",
        "objects": [
            "giấy phép môi trường",
            "thẩm định báo cáo đánh giá tác động môi trường",
            "đăng ký môi trường",
            "vận hành thử nghiệm công trình xử lý chất thải",
        ],
        "documents": [
            "Văn bản đề nghị cấp giấy phép môi trường",
            "Báo cáo đề xuất cấp giấy phép môi trường",
            "Báo cáo đánh giá tác động môi trường",
            "Bản sao báo cáo nghiên cứu khả thi của dự án",
        ],
        "forms": ["Mẫu số 40 Phụ lục II", "Mẫu số 47 Phụ lục II"],
        "fees": [("Phí thẩm định cấp giấy phép môi trường", "fee", [15000000, 30000000])],
        "legal": ["Luật Bảo vệ môi trường số 72/2020/QH14", "Nghị định số 08/2022/NĐ-CP"],
        "result": "Giấy phép môi trường",
    },
    {
        "name": "Đường bộ",
        "verbs": ["Thủ tục"],
        "level": "province",
        "objects": [
            "đổi giấy phép lái xe do ngành Giao thông vận tải cấp",
            "giấy phép lưu hành xe quá tải trọng",
            "giấy phép kinh doanh vận tải bằng xe ô tô",
            "phù hiệu xe ô tô kinh doanh vận tải",
            "giấy phép thi công công trình trên đường bộ đang khai thác",
            "chấp thuận xây dựng cùng thời điểm với cấp giấy phép thi công",
        ],
        "documents": [
            "Đơn đề nghị đổi giấy phép lái xe",
            "Giấy khám sức khỏe của người lái xe",
            "Bản sao giấy phép lái xe",
            "Bản sao giấy đăng ký xe",
            "Phương án kinh doanh vận tải",
            "Hồ sơ thiết kế biện pháp tổ chức thi công",
        ],
        "forms": ["Mẫu đơn Phụ lục XIX", "Phụ lục I"],
        "fees": [
            ("Lệ phí cấp giấy phép lái xe", "charge", [135000]),
            ("Lệ phí cấp giấy phép kinh doanh vận tải", "charge", [200000]),
        ],
        "legal": [
            "Luật Trật tự, an toàn giao thông đường bộ số 36/2024/QH15",
            "Luật Đường bộ số 35/2024/QH15",
            "Nghị định số 158/2024/NĐ-CP",
        ],
        "result": "Giấy phép hoặc văn bản chấp thuận",
    },
    {
        "name": "Trồng trọt",
        "verbs": ["Thủ tục"],
        "level": "province",
        "objects": [
            "giấy chứng nhận đủ điều kiện sản xuất phân bón",
            "giấy chứng nhận đủ điều kiện buôn bán phân bón",
            "cấp mã số vùng trồng",
            "công nhận cây đầu dòng, vườn cây đầu dòng",
        ],
        "documents": [
            "Đơn đề nghị cấp giấy chứng nhận",
            "Bản thuyết minh điều kiện sản xuất",
            "Giấy chứng nhận hoặc giấy xác nhận đã được tập huấn, bồi dưỡng chuyên môn",
            "Báo cáo kết quả đánh giá vùng trồng",
        ],
        "forms": ["Mẫu số 01 Phụ lục I"],
        "fees": [("Phí thẩm định điều kiện sản xuất", "fee", [3000000, 6000000])],
        "legal": ["Luật Trồng trọt số 31/2018/QH14", "Nghị định số 84/2019/NĐ-CP"],
        "result": "Giấy chứng nhận",
    },
    {
        "name": "Thủy lợi",
        "verbs": ["Thủ tục"],
        "level": "province",
        "objects": [
            "giấy phép xả nước thải vào công trình thủy lợi",
            "giấy phép hoạt động trong phạm vi bảo vệ công trình thủy lợi",
            "phê duyệt phương án ứng phó thiên tai cho công trình vùng hạ du đập",
        ],
        "documents": [
            "Đơn đề nghị cấp giấy phép",
            "Bản vẽ thiết kế thi công",
            "Kết quả phân tích chất lượng nước thải",
            "Phương án bảo đảm an toàn công trình thủy lợi",
        ],
        "forms": ["Mẫu số 01 Phụ lục I"],
        "fees": [],
        "legal": ["Luật Thủy lợi số 08/2017/QH14", "Nghị định số 67/2018/NĐ-CP"],
        "result": "Giấy phép",
    },
    {
        "name": "Tôn giáo",
        "verbs": ["Thủ tục"],
        "level": "province",
        "objects": [
            "đăng ký hoạt động tín ngưỡng",
            "đăng ký sinh hoạt tôn giáo tập trung",
            "tổ chức cuộc lễ ngoài cơ sở tôn giáo",
            "thông báo danh mục hoạt động tôn giáo",
            "giảng đạo ngoài địa bàn phụ trách",
        ],
        "documents": [
            "Văn bản đăng ký",
            "Bản tóm tắt giáo lý, giáo luật, lễ nghi",
            "Danh sách những người tham gia sinh hoạt",
            "Văn bản chấp thuận của người đại diện cơ sở",
        ],
        "forms": ["Mẫu B1", "Mẫu B6"],
        "fees": [],
        "legal": ["Luật Tín ngưỡng, tôn giáo số 02/2016/QH14", "Nghị định số 95/2023/NĐ-CP"],
        "result": "Văn bản chấp thuận",
    },
    {
        "name": "Thi đua, khen thưởng",
        "verbs": ["Thủ tục"],
        "level": "province",
        "objects": [
            "tặng Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh",
            "tặng danh hiệu Chiến sĩ thi đua cấp tỉnh",
            "tặng danh hiệu Tập thể lao động xuất sắc",
            "khen thưởng theo công trạng và thành tích đạt được",
            "khen thưởng đột xuất",
        ],
        "documents": [
            "Tờ trình đề nghị khen thưởng",
            "Báo cáo thành tích của cá nhân, tập thể",
            "Biên bản họp Hội đồng thi đua, khen thưởng",
            "Văn bản xác nhận của cơ quan có thẩm quyền",
        ],
        "forms": ["Mẫu số 01 Phụ lục", "Mẫu số 02 Phụ lục"],
        "fees": [],
        "legal": ["Luật Thi đua, khen thưởng số 06/2022/QH15", "Nghị định số 98/2023/NĐ-CP"],
        "result": "Quyết định khen thưởng",
    },
    {
        "name": "Công thương",
        "verbs": ["Thủ tục"],
        "level": "province",
        "objects": [
            "giấy phép bán lẻ sản phẩm rượu",
            "giấy phép bán lẻ sản phẩm thuốc lá",
            "giấy chứng nhận đủ điều kiện cửa hàng bán lẻ xăng dầu",
            "giấy phép kinh doanh khí",
            "đăng ký hoạt động bán hàng đa cấp tại địa phương",
            "thông báo thực hiện khuyến mại",
        ],
        "documents": [
            "Đơn đề nghị cấp giấy phép",
            "Bản sao hợp đồng mua bán với thương nhân cung cấp",
            "Bản sao giấy tờ chứng minh quyền sử dụng địa điểm kinh doanh",
            "Bản kê trang thiết bị",
            "Giấy chứng nhận đủ điều kiện phòng cháy chữa cháy",
        ],
        "forms": ["Mẫu số 01", "Mẫu số 03"],
        "fees": [("Phí thẩm định cấp giấy phép kinh doanh", "fee", [400000, 800000, 1200000])],
        "legal": [
            "Luật Thương mại số 36/2005/QH11",
            "Nghị định số 105/2017/NĐ-CP",
            "Nghị định số 83/2014/NĐ-CP",
        ],
        "result": "Giấy phép hoặc giấy chứng nhận",
    },
    {
        "name": "Du lịch",
        "verbs": ["Thủ tục"],
        "level": "province",
        "objects": [
            "giấy phép kinh doanh dịch vụ lữ hành nội địa",
            "thẻ hướng dẫn viên du lịch",
            "công nhận hạng cơ sở lưu trú du lịch",
            "công nhận điểm du lịch",
        ],
        "documents": [
            "Đơn đề nghị",
            "Giấy chứng nhận ký quỹ kinh doanh dịch vụ lữ hành",
            "Bằng tốt nghiệp chuyên ngành lữ hành",
            "Giấy chứng nhận khám sức khỏe",
            "Ảnh chân dung 3x4 cm",
        ],
        "forms": ["Mẫu số 02 Phụ lục II", "Mẫu số 07 Phụ lục II"],
        "fees": [
            ("Phí thẩm định cấp giấy phép kinh doanh dịch vụ lữ hành", "fee", [3000000]),
            ("Phí thẩm định cấp thẻ hướng dẫn viên", "fee", [650000]),
        ],
        "legal": ["Luật Du lịch số 09/2017/QH14", "Nghị định số 168/2017/NĐ-CP"],
        "result": "Giấy phép, thẻ hoặc quyết định công nhận",
    },
    {
        "name": "Tư pháp",
        "verbs": ["Thủ tục"],
        "level": "province",
        "objects": [
            "phiếu lý lịch tư pháp",
            "đăng ký hành nghề luật sư",
            "đăng ký hoạt động văn phòng công chứng",
            "bổ nhiệm giám định viên tư pháp",
            "thành lập trung tâm tư vấn pháp luật",
        ],
        "documents": [
            "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp",
            "Bản chụp giấy tờ tùy thân",
            "Giấy đề nghị đăng ký hoạt động",
            "Quyết định cho phép thành lập",
            "Giấy tờ chứng minh về trụ sở",
        ],
        "forms": ["Mẫu số 03/2013/TT-LLTP", "Mẫu TP-LS-01"],
        "fees": [
            ("Phí cung cấp thông tin lý lịch tư pháp", "fee", [100000, 200000]),
            ("Lệ phí đăng ký hoạt động", "charge", [500000, 1000000]),
        ],
        "legal": ["Luật Lý lịch tư pháp số 28/2009/QH12", "Luật Công chứng số 46/2024/QH15"],
        "result": "Phiếu lý lịch tư pháp hoặc giấy đăng ký hoạt động",
    },
    {
        "name": "Nội vụ",
        "verbs": ["Thủ tục"],
        "level": "province",
        "objects": [
            "thành lập hội",
            "phê duyệt điều lệ hội",
            "đổi tên hội",
            "cấp giấy phép thành lập và công nhận điều lệ quỹ",
            "công nhận ban vận động thành lập hội",
        ],
        "documents": [
            "Đơn đề nghị",
            "Dự thảo điều lệ",
            "Danh sách những người trong ban vận động",
            "Biên bản đại hội",
            "Văn bản xác nhận nơi dự kiến đặt trụ sở",
        ],
        "forms": ["Mẫu số 01 Phụ lục"],
        "fees": [],
        "legal": ["Nghị định số 126/2024/NĐ-CP", "Nghị định số 93/2019/NĐ-CP"],
        "result": "Quyết định",
    },
    {
        "name": "Quản lý công sản",
        "verbs": ["Thủ tục"],
        "level": "province",
        "objects": [
            "thanh lý tài sản công",
            "điều chuyển tài sản công",
            "bán tài sản công",
            "xác lập quyền sở hữu toàn dân đối với tài sản",
        ],
        "documents": [
            "Văn bản đề nghị của cơ quan, đơn vị có tài sản",
            "Danh mục tài sản đề nghị",
            "Biên bản kiểm kê tài sản",
            "Các hồ sơ khác có liên quan",
        ],
        "forms": [],
        "fees": [],
        "legal": [
            "Luật Quản lý, sử dụng tài sản công số 15/2017/QH14",
            "Nghị định số 151/2017/NĐ-CP",
        ],
        "result": "Quyết định",
    },
    {
        "name": "Phòng cháy, chữa cháy",
        "verbs": ["Thủ tục"],
        "level": "province",
        "objects": [
            "thẩm duyệt thiết kế về phòng cháy và chữa cháy",
            "nghiệm thu về phòng cháy và chữa cháy",
            "phục hồi hoạt động của cơ sở",
            "chứng nhận huấn luyện nghiệp vụ phòng cháy, chữa cháy",
        ],
        "documents": [
            "Văn bản đề nghị thẩm duyệt",
            "Hồ sơ thiết kế kỹ thuật",
            "Bản sao giấy chứng nhận thẩm duyệt thiết kế",
            "Biên bản kiểm tra kết quả nghiệm thu",
        ],
        "forms": ["Mẫu số PC06", "Mẫu số PC11"],
        "fees": [
            (
                "Phí thẩm định phê duyệt thiết kế về phòng cháy và chữa cháy",
                "fee",
                [500000, 2000000],
            )
        ],
        "legal": [
            "Luật Phòng cháy, chữa cháy và cứu nạn, cứu hộ số 55/2024/QH15",
            "Nghị định số 105/2025/NĐ-CP",
        ],
        "result": "Giấy chứng nhận hoặc văn bản chấp thuận",
        "deciding": "vertical_agency",
    },
]

# Verbs for licences and certificates; other objects take their field's `verbs`, and phrases
# that already start with a verb (thành lập, tặng…) take none.
LICENCE_PREFIXES = ("giấy", "chứng chỉ", "thẻ", "phiếu", "phù hiệu", "bằng", "mã số")
LICENCE_ACTIONS = [
    ("Cấp", 8),
    ("Cấp lại", 4),
    ("Cấp đổi", 1),
    ("Điều chỉnh", 2),
    ("Gia hạn", 2),
    ("Thu hồi", 1),
]
LICENCE_QUALIFIERS = [
    ("", 12),
    (" cho tổ chức", 2),
    (" cho cá nhân", 2),
    (" đối với dự án đầu tư", 1),
    (" tại khu công nghiệp, khu kinh tế", 1),
    (" (thực hiện tại cấp xã)", 1),
]
REISSUE_QUALIFIER = " do bị mất, hư hỏng hoặc thay đổi thông tin"
VERB_STARTS = (
    "thành lập",
    "thay đổi",
    "tạm ngừng",
    "chấm dứt",
    "giải thể",
    "chuyển",
    "công nhận",
    "cho phép",
    "tặng",
    "khen thưởng",
    "tổ chức",
    "giảng đạo",
    "thông báo",
    "hỗ trợ",
    "giải quyết",
    "di chuyển",
    "tiếp nhận",
    "trợ giúp",
    "phê duyệt",
    "thanh lý",
    "điều chuyển",
    "bán",
    "xác lập",
    "đổi",
    "vận hành",
    "nghiệm thu",
    "phục hồi",
    "thẩm duyệt",
    "thẩm định",
    "xác định",
    "xác nhận",
    "chỉnh sửa",
    "ghi vào",
    "đính chính",
    "tách thửa",
    "gia hạn",
    "giao đất",
    "đăng ký",
    "cấp",
    "chứng thực",
    "bổ nhiệm",
    "công bố",
    "chấp thuận",
    "chứng nhận",
)
# Any procedure may be split by who applies or how (a province publishes each as its own code).
SCOPES = [
    ("", 30),
    (" đối với hộ gia đình, cá nhân", 2),
    (" đối với tổ chức", 2),
    (" (liên thông)", 2),
    (" trên địa bàn tỉnh", 1),
    (" lần đầu", 1),
    (" theo thủ tục rút gọn", 1),
    (" trong trường hợp có thay đổi", 1),
    (" đối với người nước ngoài", 1),
]
APPLICANTS = [
    "Công dân Việt Nam",
    "Cá nhân, tổ chức",
    "Tổ chức, doanh nghiệp",
    "Hộ gia đình, cá nhân",
    "Người nước ngoài, tổ chức nước ngoài",
    "Cơ quan nhà nước, đơn vị sự nghiệp công lập",
]
METHODS = [
    "Nộp trực tiếp tại Trung tâm Phục vụ hành chính công, qua dịch vụ bưu chính công ích "
    "hoặc trực tuyến trên Cổng Dịch vụ công quốc gia.",
    "Nộp trực tiếp hoặc qua dịch vụ bưu chính công ích.",
    "Nộp trực tuyến trên Cổng Dịch vụ công quốc gia.",
]
CONDITIONS = [
    "",
    "",
    "Không",
    "Đáp ứng đầy đủ điều kiện theo quy định của pháp luật chuyên ngành.",
    "Có đủ năng lực hành vi dân sự; không thuộc trường hợp bị cấm hành nghề.",
    "Cơ sở vật chất, trang thiết bị và nhân sự đáp ứng quy định.",
]
EXEMPTIONS = [
    "",
    "",
    "Miễn đối với người thuộc hộ nghèo, trẻ em, người cao tuổi, người khuyết tật.",
    "Miễn đối với hồ sơ nộp trực tuyến.",
    "Giảm 50% đối với hồ sơ nộp trực tuyến.",
]
PROVINCE_DAYS = [Decimal(v) for v in ("3", "5", "7", "10", "12", "15", "20", "25", "30", "45")]
COMMUNE_DAYS = [Decimal(v) for v in ("0.5", "1", "2", "3", "5", "7", "10", "15")]
SAME_DAY_HOURS = [Decimal(v) for v in ("2", "4", "8")]


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _name(rng: random.Random, field: dict) -> str:
    obj = rng.choice(field["objects"])
    if obj.startswith(VERB_STARTS):
        name = obj[0].upper() + obj[1:]
    elif obj.startswith(LICENCE_PREFIXES):
        verb = _weighted(rng, LICENCE_ACTIONS)
        qualifier = REISSUE_QUALIFIER if verb == "Cấp lại" and rng.random() < 0.5 else ""
        name = f"{verb} {obj}{qualifier or _weighted(rng, LICENCE_QUALIFIERS)}"
    else:
        name = f"{rng.choice(field['verbs'])} {obj}"
    for extra in field.get("qualifiers", []):
        if rng.random() < 0.15:
            return name + extra
    return name + _weighted(rng, SCOPES)


def _number(value: Decimal):
    """A JSON number: 7 for Decimal('7'), 0.5 for Decimal('0.5')."""
    return int(value) if value == value.to_integral_value() else float(value)


def _split_hours(rng: random.Random, total: Decimal, count: int) -> list[Decimal]:
    """Split `total` hours into `count` durations in half hours (needs count <= 2 × total).

    The last share is the remainder: the appraisal, the biggest in a real internal process.
    """
    units = int(total * 2)
    budget = max(units // 2, count - 1)  # the other steps take at most half of the time
    small: list[int] = []
    for _ in range(count - 1):
        still_needed = count - 2 - len(small)  # at least one half hour for each step left
        share = rng.choice([1, 2, 4, 8, 16])
        small.append(max(1, min(share, budget - sum(small) - still_needed)))
    return [Decimal(u) / 2 for u in [*small, units - sum(small)]]


STEP_TEMPLATES = [
    ("Tiếp nhận, kiểm tra hồ sơ", "receptionist"),
    ("Chuyển hồ sơ đến cơ quan giải quyết", "receptionist"),
    ("Phân công xử lý", "leader"),
    ("Thẩm định hồ sơ, dự thảo kết quả", "specialist"),
    ("Kiểm tra thực địa", "specialist"),
    ("Xem xét, trình ký", "leader"),
    ("Ký duyệt kết quả", "leader"),
    ("Vào sổ, đóng dấu, chuyển kết quả", "specialist"),
    ("Trả kết quả", "receptionist"),
]


def _steps(rng: random.Random, hours: Decimal, center: str, decider: str, mismatch: bool):
    reception, transfer, assignment, appraisal, visit, review, signing, issuing, giving = (
        STEP_TEMPLATES
    )
    chosen = [reception]
    if rng.random() < 0.6:
        chosen.append(transfer)
    chosen += [assignment, appraisal]
    if rng.random() < 0.2:
        chosen.append(visit)
    chosen.append(review if rng.random() < 0.5 else signing)
    if rng.random() < 0.5:
        chosen.append(issuing)
    chosen.append(giving)
    if len(chosen) > hours * 2:  # short limits: only the core of the process
        chosen = [reception, appraisal, signing, giving][: int(hours * 2)]
    durations = _split_hours(rng, hours, len(chosen))
    where = chosen.index(appraisal) if appraisal in chosen else 0
    durations.insert(where, durations.pop())
    if mismatch:  # a few real processes don't add up to the legal limit
        durations[where] += Decimal(rng.choice([4, 8]))
    steps = []
    for (name, role), spent in zip(chosen, durations, strict=True):
        agency_kind = center if role == "receptionist" else decider
        steps.append(
            {
                "name": name,
                "role": role,
                "working_hours": _number(spent),
                "agency_kind": agency_kind,
            }
        )
    return steps


def _procedure(rng: random.Random, code: str) -> dict:
    field = rng.choice(FIELDS)
    level = field["level"]
    if rng.random() < 0.15:
        level = "commune" if level == "province" else "province"
    levels = [level] if rng.random() < 0.85 else ["province", "commune"]
    at_province = "province" in levels
    center = "service_center" if at_province else "commune_center"
    decider = field.get("deciding") or ("department" if at_province else "commune_committee")
    if at_province and rng.random() < 0.08:
        decider = "province_committee"

    if field.get("same_day") and rng.random() < 0.7:
        processing_time = {"working_hours": _number(rng.choice(SAME_DAY_HOURS))}
        hours = Decimal(str(processing_time["working_hours"]))
        cutoff = "15:00"
    else:
        days = rng.choice(PROVINCE_DAYS if at_province else COMMUNE_DAYS)
        processing_time = {"working_days": _number(days)}
        hours = days * 8
        cutoff = "15:00" if days <= 1 and rng.random() < 0.5 else None

    documents = []
    for position, name in enumerate(
        rng.sample(field["documents"], rng.randint(1, min(5, len(field["documents"]))))
    ):
        document = {
            "name": name,
            "copies": rng.choice([1, 1, 1, 2]),
            "original": rng.random() < 0.4,
        }
        if position == 0 and field["forms"] and rng.random() < 0.7:
            document["form"] = rng.choice(field["forms"])
        documents.append(document)

    fees = []
    for fee_name, kind, amounts in field["fees"]:
        if rng.random() < 0.75:
            fee = {"name": fee_name, "amount": rng.choice(amounts), "kind": kind}
            exempt = rng.choice(EXEMPTIONS)
            if exempt:
                fee["exempt"] = exempt
            fees.append(fee)

    name = _name(rng, field)
    online = _weighted(rng, [("full", 5), ("partial", 4), ("none", 1)])
    status = _weighted(rng, [("active", 94), ("suspended", 2), ("abolished", 4)])
    item = {
        "code": code,
        "name": name,
        "field": field["name"],
        "levels": levels,
        "processing_time": processing_time,
        "fees": fees,
        "online": online,
        "documents": documents,
        "steps": _steps(rng, hours, center, decider, mismatch=rng.random() < 0.03),
        "legal_basis": rng.sample(field["legal"], rng.randint(1, len(field["legal"]))),
        "status": status,
        "receiving_agency_kinds": [center]
        if len(levels) == 1
        else ["service_center", "commune_center"],
        "deciding_agency_kind": decider,
        "applicants": rng.choice(APPLICANTS),
        "result": field["result"].format(object=name.split(" ", 1)[-1]),
        "method": rng.choice(METHODS if online != "none" else METHODS[1:2]),
        "decision_number": f"Quyết định số {rng.randint(100, 3999)}/QĐ-UBND",
        "effective_from": f"{rng.choice([2024, 2025, 2026])}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
    }
    conditions = rng.choice(CONDITIONS)
    if conditions:
        item["conditions"] = conditions
    if cutoff:
        item["cutoff_time"] = cutoff
    if status == "abolished":
        item["abolished_on"] = f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}"
        item["abolished_by"] = f"Quyết định số {rng.randint(100, 3999)}/QĐ-UBND"
    return item


def generate(n: int, seed: int = 0) -> dict:
    """Return `{"procedures": [...]}` with `n` procedures, the same for the same seed."""
    if n < 0:
        raise ValueError("n must be >= 0")
    rng = random.Random(seed)
    # Unique national codes d.dddddd; the leading digit carries no meaning (1 or 2 here).
    numbers = rng.sample(range(1000, 2_000_000), n)
    codes = [f"{1 + number // 1_000_000}.{number % 1_000_000:06d}" for number in numbers]
    return {"procedures": [_procedure(rng, code) for code in codes]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of procedures")
    parser.add_argument("out", type=Path, help="output file (.json, or .xlsx with --xlsx)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--xlsx", action="store_true", help="write an Excel workbook")
    args = parser.parse_args(argv)
    data = generate(args.n, args.seed)
    if args.xlsx:
        _setup_django()
        from motcua.catalog.exporting import write_xlsx

        args.out.write_bytes(write_xlsx(data["procedures"]))
    else:
        args.out.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"{args.n} procedures → {args.out}")
    return 0


def _setup_django() -> None:
    """The Excel writer reads the catalog's choices: load the apps, no database needed."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            INSTALLED_APPS=[
                "django.contrib.contenttypes",
                "django.contrib.auth",
                "motcua.common",
                "motcua.agencies",
                "motcua.catalog",
            ],
            USE_I18N=True,
            LANGUAGE_CODE="vi",
        )
    django.setup()


if __name__ == "__main__":
    sys.exit(main())
