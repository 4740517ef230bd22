import QtQuick
import QtQuick.Window

// A large touch target (at least 88 px high on the base canvas) with clear pressed feedback.
Rectangle {
    id: button
    property alias text: label.text
    property bool primary: true
    property bool danger: false
    // a chosen option (a form choice, yes/no): marked with a tick and its own colours, so it cannot be
    // mistaken for the screen's main button
    property bool selected: false
    property int fontSize: 30
    property int minWidth: 260
    signal clicked()
    // greyed only when the button itself is off (nothing to submit yet), not while a new screen settles
    // (Main.qml disables the whole screen for its first 300-500 ms: every button flashing grey on every screen
    // would look broken, and a screenshot taken then showed a screen of dead buttons)
    readonly property bool dimmed: !enabled && (!Window.window || Window.window.settled !== false)
    implicitWidth: Math.max(minWidth, label.implicitWidth + 64)
    implicitHeight: assist.sizes.button  // >= 88 px in both modes (kiosk/ui/assist.py)
    radius: 14
    color: dimmed ? "#d5dbe1" : danger ? (tap.pressed ? "#962d22" : "#c0392b")
                     : selected ? (tap.pressed ? "#f7dfa8" : "#fdf1d6")
                     : primary ? (tap.pressed ? "#083a73" : "#0b4f9c") : (tap.pressed ? "#d7e3f1" : "#ffffff")
    border.color: selected ? "#e8a317" : primary || danger ? "transparent" : "#0b4f9c"
    border.width: selected ? 5 : 3
    Text {
        objectName: "tick"
        visible: button.selected
        anchors { left: parent.left; leftMargin: 14; verticalCenter: parent.verticalCenter }
        text: "✓"; font.pixelSize: (assist.elderly ? Math.max(40, Math.round(button.fontSize * 1.3)) : button.fontSize) + 4; font.bold: true; color: "#1e8e3e"
    }
    Text {
        id: label
        anchors.centerIn: parent
        width: parent.width - (button.selected ? 88 : 24)
        horizontalAlignment: Text.AlignHCenter
        wrapMode: Text.WordWrap
        font.family: "WenQuanYi Micro Hei"
        font.pixelSize: assist.elderly ? Math.max(40, Math.round(button.fontSize * 1.3)) : button.fontSize
        font.bold: true
        color: button.dimmed ? "#3d4a57" : (button.primary || button.danger) && !button.selected ? "white" : "#0b4f9c"
    }
    // Forgiving for elderly fingers: a slow press (long press) counts, and so does a finger that drifts
    // while pressing, as long as it is lifted on the button.
    TapHandler {
        id: tap
        gesturePolicy: TapHandler.ReleaseWithinBounds
        onTapped: button.clicked()
        onLongPressed: button.clicked()
    }
}
