"""Whole numbers in Arabic words, alone or counting a noun (0 … 999,999,999,999).

Modern Standard Arabic as amounts are written on Saudi invoices and cheques: "ألف وأربعمائة
وأربعة وأربعون ريالاً". num2words' Arabic is wrong from 100,000 up ("مائة وألف ألف" for
101,000, "مئتا ألفاً وخمسمائة" for 200,500), hence this module (docs/decisions.md, "Amounts
in words").

The rules, as written by the most thorough open implementation, Mohsen Alyafei's tafqit
(github.com/MohsenAlyafei/tafqit, MIT: "Converts Numbers to Arabic Words with Grammar
Rules"), with its option Legal on, because words on an invoice override its figures:

1. A number is read in groups of three digits, largest first; the groups are joined by و
   written onto the next word ("ألف ومائة"), and so are hundreds, units and tens inside a
   group ("مائة وخمسة وعشرون": units before tens).
2. A scale word (ألف, مليون, مليار) is counted like any noun, by the last two digits of its
   group's number:
     1 → the noun alone: ألف (never "واحد ألف");
     2 → the dual alone: ألفان;
     3–10 → the number, then the plural: ثلاثة آلاف, عشرة ملايين;
     11–99 → the number, then the accusative singular: أحد عشر ألفاً, خمسون مليوناً;
     a round hundred → the singular: مائة ألف, ثلاثمائة مليون.
3. A group of 101, 102, 201, … (hundreds with one or two) names its hundreds with the scale
   word and then its one or two as in rule 2: 101,000 is "مائة ألف وألف", 102,000 "مائة
   ألف وألفان" (tafqit's Legal form; "مائة وألف" would read 100 + 1000).
4. A dual or a two hundred directly before the noun it counts is in construct and drops its
   ن: "مائتا ألف", "مائتا ريال", "ألفا ريال", "مليونا ريال"; alone, "مائتان", "ألفان".
   Likewise a scale word in the accusative (rule 2, 11–99) directly before the counted noun
   loses its tanween: "أحد عشر ألف ريال", but "أحد عشر ألفاً وخمسمائة ريال".
5. The counted noun (ريال, هللة) follows the same rule 2 on the number's last two digits:
   ثلاثة ريالات, أحد عشر ريالاً, مائة ريال, ألف ريال. One and two are said by the noun itself,
   with واحد after it: "ريال واحد", "ريالان", and so at the end of a longer number: "مائة
   وريال واحد", "ألف وريالان" (tafqit's Subject option; "مائة وواحد ريال" is colloquial).
6. Numbers 3–10 take the opposite gender of the noun's singular, and so do they inside
   13–19 and 23–99: ثلاثة ريالات, ثلاث هللات, ثلاث عشرة هللة. One and two agree with it:
   أحد عشر ريالاً, إحدى عشرة هللة, إحدى وعشرون هللة, اثنتا عشرة هللة. Scale words are
   masculine, so the number of every group above the units is: ثلاثة آلاف, إحدى عشر… never.

Spelling: مائة (read مئة), ثلاثمائة … تسعمائة in one word, مليار for 10⁹, the accusative
tanween written on the alif (ريالاً, ألفاً) as the currency forms already were.
"""

from __future__ import annotations

from dataclasses import dataclass

ZERO = "صفر"
AND = " و"  # و is written onto the word after it
MAXIMUM = 10**12 - 1

# Index = the number. 3–10 "masculine" (ثلاثة) count masculine nouns, and so on (rule 6).
ONES_MASCULINE = ("", "واحد", "اثنان", "ثلاثة", "أربعة", "خمسة", "ستة", "سبعة", "ثمانية",
                  "تسعة", "عشرة")
ONES_FEMININE = ("", "واحدة", "اثنتان", "ثلاث", "أربع", "خمس", "ست", "سبع", "ثمان", "تسع",
                 "عشر")
# 11–19: first word, then عشر/عشرة. ثماني keeps its ي before عشرة.
TEENS_MASCULINE = ("", "أحد", "اثنا", "ثلاثة", "أربعة", "خمسة", "ستة", "سبعة", "ثمانية",
                   "تسعة")
TEENS_FEMININE = ("", "إحدى", "اثنتا", "ثلاث", "أربع", "خمس", "ست", "سبع", "ثماني", "تسع")
TENS = ("", "", "عشرون", "ثلاثون", "أربعون", "خمسون", "ستون", "سبعون", "ثمانون", "تسعون")
HUNDREDS = ("", "مائة", "مائتان", "ثلاثمائة", "أربعمائة", "خمسمائة", "ستمائة", "سبعمائة",
            "ثمانمائة", "تسعمائة")
TWO_HUNDRED_CONSTRUCT = "مائتا"  # rule 4


@dataclass(frozen=True)
class Noun:
    """A counted noun in the forms rule 2 picks from, and its phrase for one.

    `one` is how a single one is said: the noun with واحد/واحدة after it ("ريال واحد"), or
    the noun alone for a scale word ("ألف"). The dual ends in ن, which rule 4 drops.
    """

    singular: str    # after a round hundred, a scale word, and in construct: ريال
    dual: str        # two: ريالان
    plural: str      # 3–10: ريالات
    accusative: str  # 11–99: ريالاً
    one: str         # ريال واحد
    feminine: bool = False
    scale: bool = False  # ألف, مليون, مليار: itself a number word (rule 3)

    @property
    def dual_construct(self) -> str:
        return self.dual.removesuffix("ن")


THOUSAND = Noun("ألف", "ألفان", "آلاف", "ألفاً", one="ألف", scale=True)
MILLION = Noun("مليون", "مليونان", "ملايين", "مليوناً", one="مليون", scale=True)
BILLION = Noun("مليار", "ملياران", "مليارات", "ملياراً", one="مليار", scale=True)
SCALES = ((10**9, BILLION), (10**6, MILLION), (10**3, THOUSAND))


def _below_100(number: int, *, feminine: bool, before_noun: bool = False) -> str:
    """1–99 alone (rule 6). `before_noun`: directly before the plural it counts (ثماني
    هللات, where ثمان keeps its ي in construct)."""
    ones, teens = (ONES_FEMININE, TEENS_FEMININE) if feminine else (ONES_MASCULINE,
                                                                    TEENS_MASCULINE)
    if number <= 10:
        word = ones[number]
        return "ثماني" if before_noun and word == "ثمان" else word
    if number < 20:
        return f"{teens[number - 10]} {'عشرة' if feminine else 'عشر'}"
    unit, ten = number % 10, number // 10
    if not unit:
        return TENS[ten]
    # 21, 31, …: واحد وعشرون, but إحدى وعشرون (not واحدة) for a feminine noun.
    unit_word = "إحدى" if feminine and unit == 1 else ones[unit]
    return f"{unit_word}{AND}{TENS[ten]}"


def _below_1000(number: int, *, feminine: bool, before_noun: bool = False) -> str:
    """1–999 alone: hundreds, then units and tens (rule 1)."""
    hundreds, rest = divmod(number, 100)
    parts = []
    if hundreds:
        parts.append(HUNDREDS[hundreds])
    if rest:
        parts.append(_below_100(rest, feminine=feminine, before_noun=before_noun))
    return AND.join(parts)


def _hundreds_with(hundreds: int, noun: Noun) -> str:
    """A round hundred and the singular it counts: مائة ألف, مائتا ريال (rule 4)."""
    word = TWO_HUNDRED_CONSTRUCT if hundreds == 2 else HUNDREDS[hundreds]
    return f"{word} {noun.singular}"


def _count(number: int, noun: Noun, *, before_noun: bool) -> list[str]:
    """1–999 of a noun, as parts to join with و (rules 2–6).

    `before_noun`: another noun follows directly, which this phrase's last noun then governs
    (the scale word of the last group before "ريال"): its dual drops ن and its accusative
    its tanween (rule 4).
    """
    hundreds, rest = divmod(number, 100)
    if number == 1:
        return [noun.one]
    if number == 2:
        return [noun.dual_construct if before_noun else noun.dual]
    if rest == 0:
        return [_hundreds_with(hundreds, noun)]
    if rest <= 2:
        if noun.scale:
            # Rule 3 (Legal): مائة ألف وألف, not مائة وألف (100 + 1000).
            return [_hundreds_with(hundreds, noun), *_count(rest, noun,
                                                             before_noun=before_noun)]
        # Rule 5: مائة وريال واحد, مائتان وريالان.
        return [HUNDREDS[hundreds], *_count(rest, noun, before_noun=False)]
    words = _below_1000(number, feminine=noun.feminine, before_noun=rest <= 10)
    if rest <= 10:
        return [f"{words} {noun.plural}"]
    return [f"{words} {noun.singular if before_noun else noun.accusative}"]


def _groups(number: int) -> tuple[list[tuple[int, Noun]], int]:
    """The scale groups that are not zero (count, scale word), largest first, and the units."""
    if not 0 <= number <= MAXIMUM:
        raise ValueError(f"{number} is outside 0 … {MAXIMUM:,}.")
    groups = []
    for value, scale in SCALES:
        count, number = divmod(number, value)
        if count:
            groups.append((count, scale))
    return groups, number


def number_in_words(number: int, *, feminine: bool = False) -> str:
    """A whole number alone, nominative: 2000 → "ألفان", 101000 → "مائة ألف وألف".

    `feminine` when the number counts a feminine noun said elsewhere (rule 6); it changes
    the last group only, the others count ألف, مليون, مليار.
    """
    groups, units = _groups(number)
    if not groups and not units:
        return ZERO
    parts = [part for count, scale in groups for part in _count(count, scale, before_noun=False)]
    if units:
        parts.append(_below_1000(units, feminine=feminine))
    return AND.join(parts)


def counted_in_words(number: int, noun: Noun) -> str:
    """A whole number with the noun it counts, in the place and form grammar puts it.

    0 → "صفر ريال"; 1 → "ريال واحد"; 2000 → "ألفا ريال"; 11000 → "أحد عشر ألف ريال";
    101 → "مائة وريال واحد"; 401683 → "أربعمائة ألف وألف وستمائة وثلاثة وثمانون ريالاً".
    """
    groups, units = _groups(number)
    if not groups and not units:
        return f"{ZERO} {noun.singular}"
    parts = []
    for index, (count, scale) in enumerate(groups):
        last = index == len(groups) - 1 and not units
        parts += _count(count, scale, before_noun=last)
    if units:
        # Rule 5 at the end of a longer number too: ألف وريال واحد, ألفان وريالان.
        parts += _count(units, noun, before_noun=False)
    else:
        # A round thousand, million, …: the noun in the genitive after the scale word.
        parts[-1] = f"{parts[-1]} {noun.singular}"
    return AND.join(parts)
