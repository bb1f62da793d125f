import pytest

from scripts_library.pack import load_scripts_pack
from scripts_library.search import Filters, search_scripts

COMPLAINT = {
    "slug": "xin-loi-khieu-nai",
    "title": "Xử lý khiếu nại: xin lỗi và khắc phục",
    "purpose": "Tiếp nhận khiếu nại qua điện thoại, xin lỗi chân thành và hẹn cách khắc phục.",
    "step": "xu-ly-khieu-nai-nhanh",
    "channel": "phone",
    "situation": "complaint_apology",
    "segments": ["loyal", "negative"],
    "tags": ["khiếu nại", "xin lỗi"],
    "placeholders": [
        {"name": "ten_khach_hang", "label": "Tên khách hàng", "default": "anh/chị"},
        {"name": "ngay_hen", "label": "Ngày hẹn", "default": ""},
    ],
    "blocks": [
        {
            "key": "mo-dau",
            "kind": "agent",
            "text": "Dạ em chào {ten_khach_hang}, em rất tiếc về sự việc.",
        },
        {
            "key": "khach",
            "kind": "customer",
            "text": "Tôi đã chờ ba ngày rồi!",
            "choices": [{"label": "Khách đòi đền bù", "goto": "den-bu"}],
        },
        {
            "key": "den-bu",
            "kind": "agent",
            "text": "Bên em sẽ khắc phục miễn phí trước ngày {ngay_hen}.",
        },
        {"key": "tranh", "kind": "dont_say", "text": "Không phải lỗi của em."},
    ],
}
EMAIL = {
    "slug": "cam-on-sau-dich-vu",
    "title": "Thư cảm ơn sau khi dùng dịch vụ",
    "purpose": "Cảm ơn khách một tuần sau dịch vụ và hỏi ý kiến.",
    "step": "chu-dong-giu-lien-lac",
    "channel": "email",
    "situation": "thank_you",
    "segments": ["ordinary"],
    "tags": ["cảm ơn"],
    "placeholders": [{"name": "ten_khach_hang", "label": "Tên khách hàng", "default": ""}],
    "blocks": [
        {"key": "chao", "kind": "agent", "text": "Kính gửi {ten_khach_hang},"},
        {
            "key": "than",
            "kind": "agent",
            "text": "Cảm ơn anh/chị đã tin tưởng đội ngũ của chúng tôi.",
        },
        {"key": "meo", "kind": "note", "text": "Gửi trong giờ hành chính."},
    ],
}


@pytest.fixture
def scripts(content, script_pack):
    load_scripts_pack(script_pack(COMPLAINT, EMAIL))
    return {s.slug: s for s in search_scripts("", Filters()).scripts}
