"""Elderly mode, voice, help and the 170-service catalog, through the rendered QML with real touches."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor

from kiosk.catalog_model import CatalogModel
from kiosk.voice.guide import RecordingPlayer
from tests.catalog_gen import generated_items

MIN_TARGET = 88


def _items(robot):
    root = robot.window.contentItem()
    stack = [root]
    while stack:
        item = stack.pop()
        if not item.isVisible() or item.opacity() == 0:
            continue
        yield item
        stack.extend(item.childItems())


def _texts(robot):
    for item in _items(robot):
        is_text = (
            item.metaObject().className().startswith("QQuickText")
            and str(item.property("text") or "").strip()
        )
        if (
            is_text
            and item.width() > 0
            and item.height() > 0
            and not _inside_keyboard(item)
            and not _clipped(item)
        ):
            yield item


def _clipped(item) -> bool:
    """Whether the item's top-left corner is cut off by a clipping ancestor (a list row scrolled away)."""
    corner = item.mapToScene(QPointF(1, 1))
    parent = item.parentItem()
    while parent is not None:
        if parent.clip():
            inside = parent.mapFromScene(corner)
            if not (0 <= inside.x() < parent.width() and 0 <= inside.y() < parent.height()):
                return True
        parent = parent.parentItem()
    return False


def _inside_keyboard(item) -> bool:
    while item is not None:
        if item.objectName() == "inputPanel":
            return True
        item = item.parentItem()
    return False


def _luminance(color: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def _contrast(a: QColor, b: QColor) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _background(image, item, scale: float):
    """The most common rendered colour on the text item's outline (glyphs rarely touch all four edges)."""
    from collections import Counter

    top_left = item.mapToScene(QPointF(0, 0))
    x0, y0 = int(top_left.x() * scale), int(top_left.y() * scale)
    x1, y1 = x0 + int(item.width() * scale) - 1, y0 + int(item.height() * scale) - 1
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, image.width() - 1), min(y1, image.height() - 1)
    if x1 <= x0 or y1 <= y0:
        return None
    points = [(x, y) for x in range(x0, x1 + 1, 2) for y in (y0, y1)]
    points += [(x, y) for y in range(y0, y1 + 1, 2) for x in (x0, x1)]
    counts = Counter(image.pixel(x, y) for x, y in points)
    return QColor.fromRgb(counts.most_common(1)[0][0])


def check_screen(robot, *, min_text: int) -> list[str]:
    """Sizes, targets and contrast of what is on screen now (rendered pixels for the background)."""
    problems = []
    image = robot.window.grabWindow()
    scale = image.width() / robot.window.width()
    for text in _texts(robot):
        size = text.property("font").pixelSize()
        label = f"{text.property('text')!r}"
        if size < min_text:
            problems.append(f"{label}: {size} px < {min_text}")
        background = _background(image, text, scale)
        if background is not None:
            ratio = _contrast(QColor(text.property("color")), background)
            large = size >= 24 and text.property("font").bold() or size >= 32
            if ratio < (3.0 if large else 4.5):
                problems.append(f"{label}: contrast {ratio:.2f}")
    for item in _items(robot):
        name = item.objectName()
        target = name.endswith("Button") or name.startswith(("service_", "tab_", "page_"))
        if target and item.isEnabled() and (item.width() < MIN_TARGET or item.height() < MIN_TARGET):
            problems.append(f"{name}: {item.width():.0f}x{item.height():.0f} below {MIN_TARGET}")
    return problems


@pytest.fixture
def app_robot(make_kiosk):
    app, robot = make_kiosk()
    return app, robot


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_both_modes_on_catalog_and_steps_meet_text_target_and_contrast_rules(make_kiosk, lang):
    app, robot = make_kiosk(locale=lang)
    ctl = app.controller
    robot.tap("startButton")
    robot.wait_until(lambda: ctl.screen == "catalog", what="catalog")
    robot.pump(0.3)
    standard = check_screen(robot, min_text=20)
    robot.tap("elderlyButton")
    robot.wait_until(lambda: app.assist.elderly, what="elderly mode")
    robot.pump(0.3)
    elderly = check_screen(robot, min_text=40)
    robot.tap("tab_social_security")  # elderly mode shows 6 tiles a page: the service is under its category
    robot.tap("service_si_contribution_print")
    robot.wait_until(lambda: ctl.screen in ("intro", "step"), what="the service opened")
    robot.pump(0.4)
    elderly += check_screen(robot, min_text=40)
    assert standard == [] and elderly == []


def test_elderly_mode_lengthens_the_timeout_and_each_session_starts_in_the_terminal_default(make_kiosk):
    app, robot = make_kiosk(inactivity_s=30, elderly_inactivity_s=200)
    ctl = app.controller
    robot.tap("startButton")
    robot.wait_until(lambda: ctl.screen == "catalog", what="catalog")
    robot.tap("elderlyButton")
    robot.wait_until(lambda: app.assist.elderly, what="elderly mode")
    assert ctl._inactivity.interval() == 200_000
    robot.tap("homeButton")
    robot.wait_until(lambda: ctl.screen == "attract", what="home")
    assert not app.assist.elderly and ctl._inactivity.interval() == 30_000
    app2, robot2 = make_kiosk(elderly_default=True)
    assert app2.assist.elderly


def test_a_prompt_is_spoken_on_each_screen_and_replay_repeats_it(kiosk):
    app, robot = kiosk
    guide = app.assist.guide
    assert guide is not None and isinstance(guide.player, RecordingPlayer)  # offscreen: the recording sink
    robot.tap("startButton")
    robot.wait_until(lambda: app.controller.screen == "catalog", what="catalog")
    robot.wait_until(
        lambda: any("请选择您要办理的事项" in t for _, t in guide.spoken), timeout=10, what="catalog prompt"
    )
    before = len(guide.player.played)
    robot.tap("replayButton")
    robot.wait_until(lambda: len(guide.player.played) > before, timeout=10, what="replayed prompt")
    assert guide.spoken[-1][1].startswith("请选择")
    robot.tap("service_si_contribution_print")
    robot.wait_until(
        lambda: any("社保参保缴费证明打印" in t for _, t in guide.spoken), timeout=10, what="service prompt"
    )


def test_help_call_tells_the_citizen_and_reaches_the_back_office(kiosk):
    app, robot = kiosk
    robot.tap("startButton")
    robot.wait_until(lambda: app.controller.screen == "catalog", what="catalog")
    robot.tap("helpButton")
    robot.wait_for("helpOverlay")
    assert robot.text_of("helpText") == "工作人员将尽快为您服务"
    store = app.ctx.store

    def delivered() -> bool:
        rows = store._conn.execute(
            "SELECT payload, delivered_at FROM outbox WHERE kind='help_call'"
        ).fetchall()
        return bool(rows) and all(r[1] is not None for r in rows)

    robot.wait_until(delivered, timeout=30, what="help call delivered to the back office")
    payload = store._conn.execute("SELECT payload FROM outbox WHERE kind='help_call'").fetchone()[0]
    assert '"screen": "catalog"' in payload


@pytest.mark.parametrize("mode", ["standard", "elderly"])
def test_any_of_170_generated_services_in_three_taps_by_tab_and_page(kiosk, mode):
    app, robot = kiosk
    browser = app.catalog_browser
    items, identities = generated_items(170)
    browser._build = lambda: CatalogModel(items, identities, browser.usage)
    opened: list[str] = []
    browser.open = lambda service_id: opened.append(
        service_id
    )  # the QML calls open(); no flow behind these ids
    robot.tap("startButton")
    robot.wait_until(lambda: app.controller.screen == "catalog", what="catalog")
    if mode == "elderly":
        robot.tap("elderlyButton")
    browser._rebuild()
    robot.pump(0.3)
    for index in (0, 37, 90, 133, 169):
        target = f"svc_{index:03d}"
        category = items[index]["category_id"]
        position = [e.id for e in browser.model.tab_entries(category, browser._assist.mode)].index(target)
        taps = 0
        robot.tap(f"tab_{category}")
        taps += 1
        page = position // (6 if mode == "elderly" else 12)
        if page:
            robot.tap(f"page_{page}")
            taps += 1
        robot.tap(f"service_{target}")
        taps += 1
        robot.wait_until(lambda t=target: opened and opened[-1] == t, what=f"{target} opened")
        assert taps <= 3


def test_pinyin_initials_search_finds_a_service_on_the_keyboard(kiosk):
    app, robot = kiosk
    robot.tap("startButton")
    robot.wait_until(lambda: app.controller.screen == "catalog", what="catalog")
    robot.tap("catalogSearch")
    robot.tap_keyboard("sb")
    browser = app.catalog_browser
    # the pinyin keyboard shows the letters being typed as 's b' (preedit): searched as initials
    robot.wait_until(lambda: browser.query.replace(" ", "").lower() == "sb", what="query typed")
    titles = [t["title"] for t in browser.tiles]
    assert titles and all("社" in t for t in titles[:1]), titles
    robot.wait_for("service_si_contribution_print")


@pytest.mark.parametrize(
    ("mode", "lang"), [("elderly", "zh_CN"), ("elderly", "en"), ("standard", "zh_CN"), ("standard", "en")]
)
def test_the_top_service_by_touch_checks_every_screen_and_speaks_on_each(
    make_kiosk, tmp_path, monkeypatch, mode, lang
):
    from kiosk.demo import script
    from kiosk.demo.robot import UiRobot

    app, _robot = make_kiosk(elderly_default=mode == "elderly", locale=lang)
    min_text = 40 if mode == "elderly" else 20
    problems: dict[str, list[str]] = {}
    screenshot = UiRobot.screenshot

    def checked(robot, path):  # the walker saves a screenshot on each screen: check that screen there
        robot.pump(0.3)
        problems[path.name] = check_screen(robot, min_text=min_text)
        return screenshot(robot, path)

    monkeypatch.setattr(UiRobot, "screenshot", checked)
    result = script.walk_first_flow(app, tmp_path, voice=True)
    assert len(problems) == 9
    assert {name: found for name, found in problems.items() if found} == {}
    spoken = (tmp_path / "voice" / "prompts.txt").read_text(encoding="utf-8").splitlines()
    assert len(spoken) >= 10  # catalog, intro, the flow's 8 screens, home
    assert len(list((tmp_path / "voice").glob("*.wav"))) == len(spoken)
    assert result["case_no"]


def test_identity_is_spoken_only_when_asked_and_then_masked(kiosk):
    app, robot = kiosk
    ctl, guide = app.controller, app.assist.guide
    robot.tap("startButton")
    robot.wait_until(lambda: ctl.screen == "catalog", what="catalog")
    robot.tap("service_si_contribution_print")
    robot.tap("beginButton")
    robot.tap("demoPlaceCard")
    robot.wait_for("confirmButton", timeout=10)
    identity = ctl.session.run.context["identity"]
    masked_name, masked_id = identity["masked_name"], identity["masked_id_number"]
    assert all(masked_name not in text and masked_id not in text for _, text in guide.spoken)
    robot.tap("readIdentityButton")
    robot.wait_until(lambda: masked_id in guide.spoken[-1][1], timeout=10, what="identity read aloud")
    said = guide.spoken[-1][1]
    assert masked_name in said and "*" in said
    for raw in (identity.get("id_number"), identity.get("name")):
        assert not raw or raw not in said  # never the clear name or ID number
