"""The Arabic catalogue: complete, placeholder-safe, compiled, and used by Django.

The .po is parsed with a small stdlib reader (polib is not a dependency). Regenerate with
`manage.py makemessages -l ar ...` and `manage.py compilemessages -l ar`; both files are
committed so a machine without gettext still serves Arabic.
"""

import gettext
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "ar" / "LC_MESSAGES"
PO_PATH = LC_MESSAGES / "django.po"
MO_PATH = LC_MESSAGES / "django.mo"
ARABIC_PLURAL_FORMS = (
    "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
    "n%100>=11 && n%100<=99 ? 4 : 5;"
)
ARABIC_LETTER = re.compile(r"[\u0620-\u064A]")
# %(name)s / %(n)d / %s / %d ..., "%%" (template strings double their percent signs: a
# translation must too, or the page shows "%%" / breaks the formatting) and {name}.
PERCENT_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[sdiouxXeEfFgGcr%]")
BRACE_PLACEHOLDER = re.compile(r"\{[^{}\s]*\}")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b",
           "f": "\f", "v": "\v"}


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # index -1 for a singular entry
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def label(self) -> str:
        return f"{PO_PATH.name}:{self.line} {self.msgid!r}"


def _unquote(literal: str) -> str:
    assert literal.startswith('"') and literal.endswith('"'), literal
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(0)), literal[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """Entries of a .po file in order, header included, obsolete (#~) entries left out."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: str | int | None = None
    flags: set[str] = set()
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if line.startswith("#,"):
            flags.update(f.strip() for f in line[2:].split(",") if f.strip())
            continue
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            keyword, rest = None, line
        # An entry starts at its msgctxt, or at its msgid unless a msgctxt just opened it.
        if keyword == "msgctxt" or (keyword == "msgid" and (entry is None or entry.msgstr)):
            entry = Entry(line=lineno, flags=flags)
            entries.append(entry)
            flags = set()
        if keyword in ("msgctxt", "msgid", "msgid_plural"):
            target = keyword
        elif keyword is not None:
            match = re.fullmatch(r"msgstr(?:\[(\d+)\])?", keyword)
            assert match, f"{path}:{lineno}: cannot parse {raw!r}"
            target = int(match.group(1)) if match.group(1) is not None else -1
            entry.msgstr.setdefault(target, "")
        assert entry is not None and target is not None, f"{path}:{lineno}: {raw!r}"
        text = _unquote(rest)
        if isinstance(target, int):
            entry.msgstr[target] += text
        elif target == "msgid":
            entry.msgid += text
        else:
            setattr(entry, target, (getattr(entry, target) or "") + text)
    return entries


ENTRIES = parse_po(PO_PATH)
HEADER = next(e for e in ENTRIES if e.msgid == "" and e.msgctxt is None)
MESSAGES = [e for e in ENTRIES if e is not HEADER]
HEADER_FIELDS = dict(
    line.split(": ", 1) for line in HEADER.msgstr[-1].splitlines() if ": " in line
)
NPLURALS = int(re.search(r"nplurals=(\d+)", HEADER_FIELDS["Plural-Forms"]).group(1))
PLURAL_EXPR = re.search(r"plural=(.*?);?$", HEADER_FIELDS["Plural-Forms"]).group(1)


def placeholders(text: str, *, percent: bool = True) -> Counter:
    found = Counter(PERCENT_PLACEHOLDER.findall(text) if percent else ())
    found.update(BRACE_PLACEHOLDER.findall(text))
    return found


def percent_format(entry: Entry) -> bool:
    """xgettext marks a {name} text python-brace-format: a "%" in it is a literal percent
    sign ("{percent}% is above" has no "% i" placeholder)."""
    return "python-brace-format" not in entry.flags


def exact_forms() -> set[int]:
    """Plural forms chosen by exactly one n (Arabic: 0, 1 and 2). Like msgfmt --check-format,
    these may leave the number out ("صف واحد" rather than "1 صف")."""
    plural = gettext.c2py(PLURAL_EXPR)
    hits = Counter(plural(n) for n in range(10_000))
    return {form for form, count in hits.items() if count == 1}


def catalog_of_mo(path: Path) -> dict:
    with path.open("rb") as fp:
        return dict(gettext.GNUTranslations(fp)._catalog)


def catalog_of_po(entries: list[Entry]) -> dict:
    """What msgfmt would put in a .mo, as GNUTranslations reads it back."""
    catalog: dict = {}
    for e in entries:
        if "fuzzy" in e.flags and e is not HEADER:
            continue
        key = e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}"
        if e is HEADER:  # msgfmt leaves the POT-Creation-Date out of the .mo
            catalog[key] = re.sub(r"(?m)^POT-Creation-Date: .*\n", "", e.msgstr[-1])
        elif e.msgid_plural is None:
            if e.msgstr.get(-1):
                catalog[key] = e.msgstr[-1]
        elif all(e.msgstr.values()):
            catalog.update({(key, i): text for i, text in e.msgstr.items()})
    return catalog


def test_header():
    assert MESSAGES, "the catalogue is empty"
    assert HEADER_FIELDS["Language"] == "ar"
    assert HEADER_FIELDS["Plural-Forms"] == ARABIC_PLURAL_FORMS
    assert "charset=UTF-8" in HEADER_FIELDS["Content-Type"]
    assert "fuzzy" not in HEADER.flags, "a fuzzy header is left out of the .mo"


@pytest.mark.parametrize("entry", MESSAGES, ids=lambda e: e.msgid[:40])
def test_entry_is_translated_and_not_fuzzy(entry):
    assert "fuzzy" not in entry.flags, entry.label
    if entry.msgid_plural is None:
        assert set(entry.msgstr) == {-1}, entry.label
        assert entry.msgstr[-1].strip(), f"untranslated: {entry.label}"
    else:
        assert set(entry.msgstr) == set(range(NPLURALS)), f"needs {NPLURALS} forms: {entry.label}"
        for i, text in entry.msgstr.items():
            assert text.strip(), f"msgstr[{i}] untranslated: {entry.label}"


@pytest.mark.parametrize("entry", MESSAGES, ids=lambda e: e.msgid[:40])
def test_placeholders_match(entry):
    percent = percent_format(entry)
    if entry.msgid_plural is None:
        assert placeholders(entry.msgstr[-1], percent=percent) == placeholders(
            entry.msgid, percent=percent), entry.label
        return
    expected = placeholders(entry.msgid, percent=percent) | placeholders(
        entry.msgid_plural, percent=percent)
    exact = exact_forms()
    for i, text in entry.msgstr.items():
        found = placeholders(text, percent=percent)
        if i in exact:
            assert found <= expected, f"msgstr[{i}] has unknown placeholders: {entry.label}"
        else:
            assert found == expected, f"msgstr[{i}] placeholders differ: {entry.label}"


def test_html_tags_are_kept():
    tag = re.compile(r"</?[a-zA-Z][^>]*>")
    for entry in MESSAGES:
        expected = Counter(tag.findall(entry.msgid))
        for text in entry.msgstr.values():
            assert Counter(tag.findall(text)) == expected, entry.label


def test_mo_is_up_to_date():
    assert MO_PATH.exists(), "run manage.py compilemessages -l ar"
    committed = catalog_of_mo(MO_PATH)
    msgfmt = shutil.which("msgfmt")
    if msgfmt:
        with tempfile.TemporaryDirectory() as tmp:
            fresh_path = Path(tmp) / "django.mo"
            result = subprocess.run(
                [msgfmt, "--check-format", "-o", str(fresh_path), str(PO_PATH)],
                capture_output=True, text=True, check=False,
            )
            assert result.returncode == 0, result.stderr
            fresh = catalog_of_mo(fresh_path)
    else:
        fresh = catalog_of_po(ENTRIES)
    assert catalog_of_po(ENTRIES) == fresh
    stale = {k for k in fresh.keys() | committed.keys() if fresh.get(k) != committed.get(k)}
    assert not stale, f"django.mo is stale, run compilemessages: {sorted(map(str, stale))[:10]}"


def test_django_serves_arabic():
    from core.choices import Role

    with translation.override("ar"):
        assert ARABIC_LETTER.search(translation.gettext("Sales settings"))
        label = str(Role.SALES_MANAGER.label)
        assert ARABIC_LETTER.search(label)
        assert label == "مدير المبيعات"
    with translation.override("en"):
        assert str(Role.SALES_MANAGER.label) == "Sales manager"


def test_django_uses_arabic_plural_forms():
    with translation.override("ar"):
        rows = {n: translation.ngettext("%(counter)s row", "%(counter)s rows", n)
                % {"counter": n} for n in (0, 1, 2, 5, 11, 100)}
    assert rows == {0: "لا توجد صفوف", 1: "صف واحد", 2: "صفّان", 5: "5 صفوف", 11: "11 صفًا",
                    100: "100 صف"}
