"""The zh_Hans catalogue is complete and compiled; English is the second language."""

import polib
import pytest
from django.utils import translation

from tests.conftest import PROJECT_DIR

LOCALE = PROJECT_DIR / "locale"


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_catalogue_has_no_fuzzy_or_obsolete_entries(language):
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    assert not po.fuzzy_entries()
    assert not po.obsolete_entries()


def test_chinese_catalogue_is_complete():
    po = polib.pofile(str(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    assert len(po) > 100
    assert [entry.msgid for entry in po.untranslated_entries()] == []


def test_compiled_catalogue_matches_the_source():
    po = polib.pofile(str(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    mo = polib.mofile(str(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in mo}
    source = {(e.msgctxt, e.msgid): e.msgstr for e in po.translated_entries()}
    assert compiled == source, "run `make messages` and commit the .mo file"


def test_key_terms_read_as_cadres_say_them():
    with translation.override("zh-hans"):
        assert translation.gettext("lead body") == "牵头单位"
        assert translation.gettext("cooperating bodies") == "配合单位"
        assert translation.gettext("due date") == "完成时限"
        assert translation.gettext("progress made") == "进展情况"
        assert translation.gettext("Task book") == "任务书"
        assert translation.pgettext("priority", "High") == "高"
