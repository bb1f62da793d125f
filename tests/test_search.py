"""The shared Vietnamese-aware search: whole syllables, prefixes while typing, ranking, snippets."""

from portal.core import search
from portal.playbooks import services as playbooks


def test_document_is_folded_and_word_padded():
    doc = search.document("Xử lý Khiếu nại", "Đừng để khách **chờ** lâu.", ["Gọi lại"])
    assert doc == " xu ly khieu nai \n dung de khach cho lau goi lai "


def test_whole_syllables_not_pieces_of_words():
    doc = search.document("Email và khuyến mãi", "")
    assert search.whole_words(doc, ["mai"])
    assert not search.whole_words(search.document("Email", ""), ["mai"])


def test_ranking_prefers_the_phrase_in_the_title_then_exact_diacritics():
    words = search.query_words("hau mai")
    title_hit = search.document("Chính sách hậu mãi", "")
    body_hit = search.document("Chính sách", "dịch vụ hậu mãi tốt")
    scattered = search.document("Khuyến mãi", "hậu quả")
    ranked = sorted([scattered, body_hit, title_hit], key=lambda d: search.rank(d, words))
    assert ranked == [title_hit, body_hit, scattered]
    assert search.rank(body_hit, ["doi", "thu"], text="đối thủ", raw_query="đối thủ")[1] == 0
    assert search.rank(body_hit, ["doi", "thu"], text="đổi thử", raw_query="đối thủ")[1] == 1


def test_snippet_marks_matches_strips_markdown_and_escapes():
    text = search.plain("### Bước 1\n\n- **Xử lý** khiếu nại <b>ngay</b>\n\n| a | b |\n|---|---|")
    assert "#" not in text and "**" not in text and "|" not in text
    marked = str(search.snippet(text, ["xu", "ly"], prefix=False))
    assert "<mark>Xử</mark> <mark>lý</mark>" in marked
    assert "<b>" not in marked and "&lt;b&gt;" in marked


def test_playbook_search_examples(content):
    assert "khiếu nại" in playbooks.search_steps("xu ly khieu nai")[0].step.title.lower()
    # "đối thủ" typed with diacritics: only the rows with exactly that text.
    exact = playbooks.search_steps("đối thủ")
    assert exact and all("đối thủ" in (h.step.goal + h.step.body_md).lower() for h in exact)
    assert len(exact) <= len(playbooks.search_steps("doi thu"))
    # While typing: the last word matches as the start of a word.
    assert playbooks.search_steps("khieu n")
    assert playbooks.search_steps("<script>") == []
