"""Chinese typing on UOS and Kylin: their desktops ask Qt for fcitx, which PySide6's Qt lacks."""

from __future__ import annotations

from app.gui import use_an_input_method_qt_has


def plugins(tmp_path, *names: str):
    folder = tmp_path / "platforminputcontexts"
    folder.mkdir()
    for name in names:
        (folder / name).write_bytes(b"")
    return tmp_path


def test_fcitx_without_its_plugin_becomes_ibus_which_fcitx5_also_answers(tmp_path):
    shipped = plugins(
        tmp_path, "libibusplatforminputcontextplugin.so", "libcomposeplatforminputcontextplugin.so"
    )
    for wanted in ("fcitx", "fcitx5"):
        env = {"QT_IM_MODULE": wanted}
        use_an_input_method_qt_has(env, shipped)
        assert env["QT_IM_MODULE"] == "ibus"


def test_other_choices_and_a_shipped_fcitx_plugin_are_left_alone(tmp_path):
    shipped = plugins(
        tmp_path, "libibusplatforminputcontextplugin.so", "libfcitx5platforminputcontextplugin.so"
    )
    env = {"QT_IM_MODULE": "fcitx"}
    use_an_input_method_qt_has(env, shipped)
    assert env["QT_IM_MODULE"] == "fcitx"
    for env in ({"QT_IM_MODULE": "ibus"}, {}):
        before = dict(env)
        use_an_input_method_qt_has(env, shipped)
        assert env == before


def test_the_qt_we_ship_has_the_ibus_plugin():
    """What the rule above relies on: PySide6's Qt has ibus (and, today, no fcitx)."""
    from pathlib import Path

    from PySide6.QtCore import QLibraryInfo

    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforminputcontexts"
    assert any("ibus" in p.name for p in folder.iterdir())
