"""The page's scripts are ES modules: each says what it imports and exports, every import is another module's
export, the studies' twins are found through the registry, and nothing but main.js touches the global scope.

(The browser checks the same when it links the modules; tests/report/test_browser_nn.py loads the page.)
"""

import base64
import json
import re
import sys
import textwrap

import pytest

from digitnet.report.html import ASSETS, ENTRY, TWINS, Module, check_links, links, modules, page_scripts, twin_module
from digitnet.studies import Study, register, studies, unregister


def test_every_import_is_an_export_of_another_module():
    found = check_links(modules() + [Module("entry", ENTRY)])
    assert list(found)[: len(ASSETS)] == [f"digitnet/{name}" for name in ASSETS]
    assert found["entry"].imports == {"digitnet/main.js": ("startPage",)}
    assert found["digitnet/nn.js"].imports == {}  # the mathematics imports nothing
    assert "trainFrom" not in found["digitnet/main.js"].exports  # a test hook, on window.digitnet only
    assert found["digitnet/explore.js"].imports == {
        "digitnet/charts.js": ("el", "lineChart"),
        "digitnet/draw.js": ("showInput",),
    }
    imported = {name for module in found.values() for name in module.imports}
    assert imported == set(found) - {"entry"}  # every module is used, by name


def test_the_twins_are_the_registrys():
    with_twin = [study for study in studies() if study.twin]
    assert len(with_twin) == 8
    found = check_links(modules())
    twins = found[TWINS]
    assert twins.exports == {"TWINS"}
    assert twins.imports == {twin_module(study): ("default",) for study in with_twin}
    for study in with_twin:
        assert twin_module(study) == f"digitnet/studies/{study.twin}"
        assert found[twin_module(study)].exports == {"default"}
    source = next(m.source for m in modules() if m.name == TWINS)
    assert all(f'"{study.name}": twin' in source for study in with_twin)


def test_a_study_names_itself_only_in_its_own_files():
    """The page's own scripts never look a study up by name (some names are also parameters' names, such as
    "momentum"; those with a hyphen are found nowhere): the registry says which twin is whose."""
    scripts = [m.source for m in modules() if m.name in {f"digitnet/{name}" for name in ASSETS}]
    for study in studies():
        for source in scripts:
            assert f'["{study.name}"]' not in source and f'"{study.name}":' not in source, study.name
            assert "-" not in study.name or study.name not in source, study.name


def test_only_main_sets_a_global():
    for module in modules():
        assigned = re.findall(r"\b(?:window|globalThis|self)\.([\w$]+)\s*=[^=]", module.source)
        assert assigned == (["digitnet"] if module.name == "digitnet/main.js" else []), module.name
        assert "globalThis" not in module.source and "var " not in module.source, module.name


def test_a_new_studys_twin_reaches_the_page_without_editing_a_script(tmp_path, monkeypatch):
    """A study in a package of its own, its twin beside it: registered, it is in the import map and in TWINS."""
    package = tmp_path / "throwaway_studies"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "tiny.py").write_text(
        textwrap.dedent("""
        from digitnet.studies import Study

        class Tiny(Study):
            name, title, order, twin = "tiny-study", "Tiny", 999, "tiny.js"
    """)
    )
    (package / "tiny.js").write_text(
        'import { el } from "digitnet/charts.js";\n'
        'export default (container, study) => el("p", {}, container, study.words);\n'
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    from throwaway_studies.tiny import Tiny

    k = sum(1 for s in studies() if s.twin)  # the new twin's place in TWINS's imports
    study = register(Tiny())
    try:
        imports, _ = page_scripts()
        urls = json.loads(imports)["imports"]
        assert base64.b64decode(urls["throwaway_studies/tiny.js"].split(",", 1)[1]).decode().startswith("import { el }")
        twins = base64.b64decode(urls[TWINS].split(",", 1)[1]).decode()
        assert f'import twin{k} from "throwaway_studies/tiny.js";' in twins and f'"tiny-study": twin{k}' in twins
        assert isinstance(study, Study)
    finally:
        unregister("tiny-study")
        sys.modules.pop("throwaway_studies.tiny", None)
        sys.modules.pop("throwaway_studies", None)
    assert "throwaway_studies/tiny.js" not in json.loads(page_scripts()[0])["imports"]


@pytest.mark.parametrize(
    "modules_, message",
    [
        (
            [Module("a.js", 'import { nope } from "b.js";\n'), Module("b.js", "export const yes = 1;\n")],
            'a.js imports nope from "b.js", which does not export it',
        ),
        (
            [Module("a.js", 'import { x } from "./b.js";\n'), Module("b.js", "export const x = 1;\n")],
            'a.js imports "./b.js", which is none of the page\'s modules: a.js, b.js',
        ),
        (
            [Module("a.js", 'import { x } from "https://example.org/b.js";\n')],
            'a.js imports "https://example.org/b.js", which is none of the page\'s modules: a.js',
        ),
        (
            [Module("a.js", "const x = 1;\nexport { x };\n")],
            "a.js, line 2: 'export { x };' is not one of the import and export statements the page reads",
        ),
        (
            [Module("a.js", 'import * as all from "b.js";\n'), Module("b.js", "export const x = 1;\n")],
            "a.js, line 1: 'import * as all from \"b.js\";' is not one of the import and export statements",
        ),
        ([Module("a.js", 'const m = import("b.js");\n')], "a.js: import(...) would load code at run time"),
    ],
)
def test_check_links_refuses_what_the_page_could_not_link(modules_, message):
    with pytest.raises(ValueError) as error:
        check_links(modules_)
    assert message in str(error.value)


def test_the_forms_links_reads():
    module = Module(
        "m.js",
        textwrap.dedent("""
        import { a, b as c } from "x.js";
        import {
          d,
          e,
        } from "y.js";
        import f from "z.js";
        export function g() {}
        export async function h() {}
        export const i = 1, notRead = 2;
        export let j;
        export class K {}
        export default function () {}
        // import { not, a, statement } from "comment.js";
    """),
    )
    found = links(module)
    assert found.imports == {"x.js": ("a", "b"), "y.js": ("d", "e"), "z.js": ("default",)}
    assert found.exports == {"g", "h", "i", "j", "K", "default"}


def test_the_import_map_holds_every_module_inline():
    imports, entry = page_scripts()
    assert "<" not in imports and ">" not in imports  # cannot close its <script> element
    urls = json.loads(imports)["imports"]
    assert list(urls) == [m.name for m in modules()]
    for module in modules():
        prefix = "data:text/javascript;base64,"
        assert urls[module.name].startswith(prefix)
        text = base64.b64decode(urls[module.name][len(prefix) :]).decode("utf-8")
        assert text == f"{module.source}\n//# sourceURL={module.name}\n"
    assert entry == ENTRY
