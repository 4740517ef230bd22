import QtQuick
import QtQuick.Window
import QtQuick.VirtualKeyboard
import QtQuick.VirtualKeyboard.Settings

// The kiosk window: a 1280x800 canvas scaled to the screen, a top bar, the current screen,
// and the 'need more time?' overlay. All state comes from `ctl` (kiosk.ui.controller.KioskController).
Window {
    id: win
    required property var ctl
    property var maint: null  // kiosk.ui.maintenance.MaintenanceController
    property var remote: null  // kiosk.ui.remote.RemoteCommands (the console's announcement)
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
            // the on-screen keyboard pushes the screen up, so its buttons stay reachable above the keys
            anchors { left: parent.left; right: parent.right; top: topBar.bottom
                      bottom: keyboard.shown ? keyboard.top : parent.bottom }
            source: ({ attract: "AttractScreen.qml", catalog: "CatalogScreen.qml", intro: "IntroScreen.qml",
                       step: "StepScreen.qml", message: "MessageScreen.qml" })[win.ctl.screen] || "AttractScreen.qml"
            onLoaded: item.ctl = win.ctl
        }

        // Qt Virtual Keyboard inside the window (Pinyin and Latin), shown when a text field has focus.
        // Created just after the first frame, so it does not delay the attract screen.
        Loader {
            id: keyboard
            property bool shown: item !== null && Qt.inputMethod.visible
            z: 50
            width: parent.width
            y: shown ? parent.height - height : parent.height  // the height follows the keyboard's own
            active: false
            asynchronous: true
            sourceComponent: InputPanel {
                objectName: "inputPanel"
                width: canvas.width
                visible: Qt.inputMethod.visible
                Component.onCompleted: {
                    VirtualKeyboardSettings.activeLocales = ["zh_CN", "en_US"];
                    VirtualKeyboardSettings.locale = "zh_CN";
                }
            }
        }
        Timer { interval: 200; running: true; onTriggered: keyboard.active = true }

        TimeoutOverlay { ctl: win.ctl; anchors.fill: parent; visible: win.ctl.countdown >= 0; z: 100 }

        // the console's announcement, on the attract screen only
        Rectangle {
            objectName: "announcementBar"
            visible: win.remote !== null && win.remote.announcement !== "" && win.ctl.screen === "attract"
            anchors { left: parent.left; right: parent.right; bottom: parent.bottom }
            height: 72; color: "#e8a317"; z: 40
            Text {
                objectName: "announcementText"
                anchors.centerIn: parent; width: parent.width - 48
                horizontalAlignment: Text.AlignHCenter; elide: Text.ElideRight
                text: win.remote ? win.remote.announcement : ""
                color: "#1b2733"; font.family: "WenQuanYi Micro Hei"; font.pixelSize: 28; font.bold: true
            }
        }

        // the technician's screen, over everything (reached only by the hidden gesture and the PIN)
        MaintenanceScreen {
            objectName: "maintenanceScreen"
            maint: win.maint
            anchors.fill: parent
            visible: win.maint !== null && (win.maint.pinVisible || win.maint.panelOpen)
            z: 200
        }
    }
}
