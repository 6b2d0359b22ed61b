from madoguchi.knowledge.search import tokenize


def test_normalize_nfkc_full_width_and_markers():
    assert tokenize.normalize("ＡＢＣ１２３　ｶﾅ") == "abc123 カナ"
    assert tokenize.normalize("■申請＜改＞窓口") == "申請 窓口"


def test_full_width_and_half_width_give_the_same_terms():
    assert tokenize.terms("ＰＣの貸出") == tokenize.terms("PCの貸出") == ["pc", "貸し出し"]


def test_short_units_with_normalized_forms():
    assert tokenize.terms("国民健康保険証") == ["国民", "健康", "保険", "証"]
    assert tokenize.terms("引越し") == tokenize.terms("引っ越し") == ["引っ越し"]


def test_particles_auxiliaries_and_punctuation_are_dropped():
    assert tokenize.terms("住民票を、取りました。") == ["住民", "票", "取る"]


def test_kana_words_meet_through_their_reading():
    assert tokenize.terms("ごみ") == tokenize.terms("ゴミ") == ["ごみ"]
    # a kana word whose normalized form is written in kanji keeps both
    assert tokenize.terms("こども") == ["子供", "こども"]
    assert "子供" in tokenize.terms("子供")


def test_query_stop_list_removes_polite_boilerplate_only():
    text = "粗大ごみの出し方を教えてください"
    assert "教える" in tokenize.terms(text)
    assert "下さる" in tokenize.terms(text)
    assert tokenize.query_terms(text) == ["粗大", "ごみ", "出す"]  # 出し方 = 出す + 方 (stop word)


def test_reading_and_hiragana():
    assert tokenize.to_hiragana("ジュウミンヒョウ") == "じゅうみんひょう"
    assert tokenize.reading("住民票の写し") == "じゅうみんひょうのうつし"


def test_long_text_is_split_for_the_analyser():
    text = "住民票の写しを交付します。" * 2000
    assert tokenize.terms(text).count("写し") == 2000
