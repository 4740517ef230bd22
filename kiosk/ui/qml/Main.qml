import QtQuick
import QtQuick.Window

// The kiosk window: a 1280x800 canvas scaled to the screen, a top bar, the current screen,
// and the 'need more time?' overlay. All state comes from `ctl` (kiosk.ui.controller.KioskController).
Window {
    id: win
    required property var ctl
    property var maint: null  // kiosk.ui.maintenance.MaintenanceController
    property var remote: null  // kiosk.ui.remote.RemoteCommands (the console's commands)
    property var standing: null  // kiosk.ui.standing.StandingValues (the announcements in force)
    property bool production: false
    property int baseWidth: 1280
    property int baseHeight: 800
    width: baseWidth
    height: baseHeight
    visible: true
    color: "#0b4f9c"
    title: ctl.s["app.title"] || ""
    flags: production ? (Qt.Window | Qt.FramelessWindowHint | Qt.WindowStaysOnTopHint) : (Qt.Window | Qt.FramelessWindowHint)

    Theme { id: theme }

    // Fingers: a screen takes no tap until it has been on screen for `settleMs`, so one tap makes one
    // transition — the second tap of a double tap (or a tremor) cannot land on the next screen's button
    // that happens to sit where the last one was. Qt's double-click interval (400 ms by default) is the
    // platform's own bound for "two presses that belong together"; kept within 300..500 ms so a screen
    // never feels sluggish. tests/test_ui_fingers.py measures the real figure.
    readonly property int settleMs: Math.max(300, Math.min(500, Qt.styleHints.mouseDoubleClickInterval))
    // a new screen, or a new step (the same step re-entered counts: `visit` grows with the history)
    readonly property string transitionKey: ctl.screen + "|" + (ctl.view.stepId || "") + "|" + (ctl.view.visit || 0)
    property bool settled: false
    onTransitionKeyChanged: { settled = false; settleTimer.restart() }
    Component.onCompleted: settleTimer.restart()
    Timer { id: settleTimer; interval: win.settleMs; onTriggered: win.settled = true }

    // Every citizen starts with the terminal's keyboard: no open keyboard carried over (the locale is reset
    // by KeyboardPanel.qml)
    Connections {
        target: win.ctl
        function onScreenChanged() {
            if (win.ctl.screen === "attract")
                Qt.inputMethod.hide();
        }
    }

    Item {
        id: canvas
        objectName: "canvas"
        width: win.baseWidth
        height: win.baseHeight
        scale: Math.min(win.width / win.baseWidth, win.height / win.baseHeight)
        transformOrigin: Item.TopLeft
        x: (win.width - width * scale) / 2
        y: (win.height - height * scale) / 2

        Rectangle { anchors.fill: parent; color: theme.bg }

        TopBar { id: topBar; ctl: win.ctl; maint: win.maint; anchors { left: parent.left; right: parent.right; top: parent.top } }

        Loader {
            id: screenLoader
            objectName: "screen_" + win.ctl.screen
            enabled: win.settled
            // the on-screen keyboard pushes the screen up, so its buttons stay reachable above the keys
            anchors { left: parent.left; right: parent.right; top: topBar.bottom
                      bottom: keyboard.shown ? keyboard.top : parent.bottom }
            source: ({ attract: "AttractScreen.qml", catalog: "ServiceCatalog.qml", intro: "IntroScreen.qml",
                       step: "StepScreen.qml", message: "MessageScreen.qml" })[win.ctl.screen] || "AttractScreen.qml"
            onLoaded: {
                item.ctl = win.ctl
                if (item.bottomInset !== undefined)  // the attract screen keeps its buttons clear of the bar
                    item.bottomInset = Qt.binding(function() { return announcementBar.visible ? announcementBar.height : 0 })
            }
        }

        // Qt Virtual Keyboard inside the window (Pinyin and Latin), shown when a text field has focus.
        // Created (with its QML modules, KeyboardPanel.qml) just after the first frame, so it does not delay
        // the attract screen.
        Loader {
            id: keyboard
            property bool shown: item !== null && Qt.inputMethod.visible
            z: 50
            width: parent.width
            y: shown ? parent.height - height : parent.height  // the height follows the keyboard's own
            active: false
            asynchronous: true
            source: "KeyboardPanel.qml"
            onLoaded: { item.width = Qt.binding(function() { return canvas.width }); item.ctl = win.ctl }
        }
        Timer { interval: 200; running: true; onTriggered: keyboard.active = true }

        // overlays are created when first needed (not compiled and built before the first frame)
        Loader {
            anchors.fill: parent; z: 90
            active: assist.helpShown
            sourceComponent: HelpOverlay { ctl: win.ctl }
        }
        Loader {
            anchors.fill: parent; z: 100
            active: win.ctl.countdown >= 0
            sourceComponent: TimeoutOverlay { ctl: win.ctl }
        }

        // the announcements in force (the back office's standing values), on the attract screen only
        Rectangle {
            id: announcementBar
            objectName: "announcementBar"
            visible: win.standing !== null && win.standing.announcements.length > 0 && win.ctl.screen === "attract"
            anchors { left: parent.left; right: parent.right; bottom: parent.bottom }
            height: Math.max(72, announcementText.implicitHeight + 24); color: "#e8a317"; z: 40
            Text {
                id: announcementText
                objectName: "announcementText"
                anchors.centerIn: parent; width: parent.width - 48
                horizontalAlignment: Text.AlignHCenter; elide: Text.ElideRight
                wrapMode: Text.WordWrap; maximumLineCount: 3
                text: win.standing ? win.standing.announcements.join("\n") : ""
                color: "#1b2733"; font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 28; font.bold: true
            }
        }

        // the technician's screen, over everything (reached only by the hidden gesture and the PIN)
        Loader {
            anchors.fill: parent; z: 200
            active: win.maint !== null && (win.maint.pinVisible || win.maint.panelOpen)
            sourceComponent: MaintenanceScreen { objectName: "maintenanceScreen"; maint: win.maint }
        }
    }
}
