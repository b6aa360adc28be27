"""Whole numbers in Arabic words (core.arabic_words): numbers alone, feminine counts, nouns
counted, the range. Amounts in riyals and halalas are in tests/sales/common/test_services.py.

Where tafqit's README (the rule source named in the module) gives an example, the expected
text is its example, with the accusative tanween written on the alif (ألفاً) as here."""

import pytest

from core.arabic_words import MAXIMUM, Noun, counted_in_words, number_in_words

BOOK = Noun("كتاب", "كتابان", "كتب", "كتاباً", one="كتاب واحد")
NIGHT = Noun("ليلة", "ليلتان", "ليال", "ليلة", one="ليلة واحدة", feminine=True)


@pytest.mark.parametrize(("number", "words"), [
    (0, "صفر"),
    (1, "واحد"),
    (2, "اثنان"),
    (8, "ثمانية"),
    (11, "أحد عشر"),
    (12, "اثنا عشر"),
    (19, "تسعة عشر"),
    (20, "عشرون"),
    (21, "واحد وعشرون"),
    (100, "مائة"),
    (200, "مائتان"),
    (350, "ثلاثمائة وخمسون"),
    (1000, "ألف"),
    (2000, "ألفان"),
    (2020, "ألفان وعشرون"),
    (3000, "ثلاثة آلاف"),
    (11000, "أحد عشر ألفاً"),
    (101000, "مائة ألف وألف"),
    (102010, "مائة ألف وألفان وعشرة"),
    (122500, "مائة واثنان وعشرون ألفاً وخمسمائة"),
    (200000, "مائتا ألف"),
    (200011, "مائتا ألف وأحد عشر"),
    (100100100, "مائة مليون ومائة ألف ومائة"),
    (15000120, "خمسة عشر مليوناً ومائة وعشرون"),
    (2002002000, "ملياران ومليونان وألفان"),
    (2452452000, "ملياران وأربعمائة واثنان وخمسون مليوناً وأربعمائة واثنان وخمسون ألفاً"),
    (255000000000, "مائتان وخمسة وخمسون ملياراً"),
])
def test_numbers_alone(number, words):
    assert number_in_words(number) == words


@pytest.mark.parametrize(("number", "words"), [
    (1, "واحدة"),
    (2, "اثنتان"),
    (8, "ثمان"),
    (12, "اثنتا عشرة"),
    (18, "ثماني عشرة"),
    (21, "إحدى وعشرون"),
    (23, "ثلاث وعشرون"),
    # Only the last group counts the feminine noun; thousands count ألف.
    (13013, "ثلاثة عشر ألفاً وثلاث عشرة"),
    (200011, "مائتا ألف وإحدى عشرة"),
])
def test_feminine_numbers(number, words):
    assert number_in_words(number, feminine=True) == words


@pytest.mark.parametrize(("number", "noun", "words"), [
    (0, BOOK, "صفر كتاب"),
    (1, BOOK, "كتاب واحد"),
    (2, BOOK, "كتابان"),
    (3, BOOK, "ثلاثة كتب"),
    (21, BOOK, "واحد وعشرون كتاباً"),
    (350, BOOK, "ثلاثمائة وخمسون كتاباً"),
    (1001, BOOK, "ألف وكتاب واحد"),
    (102, NIGHT, "مائة وليلتان"),
    (8, NIGHT, "ثماني ليال"),
    (108, NIGHT, "مائة وثماني ليال"),
    (2000, BOOK, "ألفا كتاب"),
    (20000, BOOK, "عشرون ألف كتاب"),
    (2000000, BOOK, "مليونا كتاب"),
    (200, BOOK, "مائتا كتاب"),
])
def test_counted_nouns(number, noun, words):
    assert counted_in_words(number, noun) == words


def test_range():
    assert number_in_words(MAXIMUM).startswith("تسعمائة وتسعة وتسعون ملياراً")
    for outside in (-1, MAXIMUM + 1):
        with pytest.raises(ValueError, match="outside"):
            number_in_words(outside)
