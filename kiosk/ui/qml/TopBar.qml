import QtQuick

Rectangle {
    id: bar
    property var ctl
    property var maint: null
    height: assist.sizes.button + 16
    color: "#0b4f9c"
    // while paper is being produced, neither Home nor the language may interrupt: the paper comes out anyway
    readonly property bool producing: !!bar.ctl && bar.ctl.screen === "step" && bar.ctl.view.stepType === "print"
    // The technician's hidden gesture: hold the top-left corner for three seconds (a citizen's tap does nothing).
    // The area stays in elderly mode, where the terminal name is hidden to make room for the larger buttons, so
    // maintenance is reachable in either mode; it ends before the buttons on the right, so it never steals a tap.
    Item {
        objectName: "maintenanceGesture"
        anchors { left: parent.left; top: parent.top; bottom: parent.bottom }
        width: Math.min(barRow.x - 8, Math.max(240, name.visible ? name.width + 56 : 0))
        TapHandler {
            longPressThreshold: 3
            onLongPressed: if (bar.maint) bar.maint.longPress()
        }
        Text {
            id: name
            objectName: "terminalName"
            visible: !assist.elderly  // room for the larger buttons; the gesture area stays
            anchors { left: parent.left; leftMargin: 28; verticalCenter: parent.verticalCenter }
            // never under the clock and the buttons: a long name is elided rather than overprinted
            width: Math.max(0, Math.min(implicitWidth, barRow.x - 28 - 16)); elide: Text.ElideRight
            text: bar.ctl ? bar.ctl.terminalName : ""
            color: "white"; font.family: "WenQuanYi Micro Hei"; font.pixelSize: 26; font.bold: true
        }
    }
    Row {
        id: barRow
        anchors { right: parent.right; rightMargin: 20; verticalCenter: parent.verticalCenter }
        spacing: 16
        Rectangle {
            width: 14; height: 14; radius: 7; anchors.verticalCenter: parent.verticalCenter
            color: bar.ctl && bar.ctl.online ? "#5cd67a" : "#f0a030"
        }
        Text {
            id: clock
            objectName: "topClock"
            visible: !!bar.ctl && bar.ctl.screen !== "attract" && !assist.elderly
            anchors.verticalCenter: parent.verticalCenter
            color: "white"; font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 24
            text: Qt.formatDateTime(new Date(), "yyyy-MM-dd HH:mm")
            Timer { interval: 10000; running: true; repeat: true
                    onTriggered: clock.text = Qt.formatDateTime(new Date(), "yyyy-MM-dd HH:mm") }
        }
        BigButton {
            objectName: "elderlyButton"
            primary: false; minWidth: 120; fontSize: 24
            text: bar.ctl ? bar.ctl.s[assist.elderly ? "assist.elderly_off" : "assist.elderly_on"] : ""
            onClicked: assist.toggleElderly()
        }
        BigButton {
            objectName: "replayButton"
            primary: false; minWidth: 120; fontSize: 24
            text: bar.ctl ? bar.ctl.s["assist.replay"] : ""
            onClicked: assist.replay()
        }
        BigButton {
            objectName: "helpButton"
            danger: true; minWidth: 120; fontSize: 24
            text: bar.ctl ? bar.ctl.s["assist.help"] : ""
            onClicked: assist.callHelp()
        }
        BigButton {
            objectName: "homeButton"
            visible: bar.ctl && bar.ctl.screen !== "attract"
            enabled: !bar.producing
            primary: false; minWidth: 120; fontSize: 24
            text: bar.ctl ? bar.ctl.s["common.home"] : ""
            onClicked: bar.ctl.tap("home", null)
        }
        BigButton {
            objectName: "langButton"
            enabled: !bar.producing
            primary: false; minWidth: 120; fontSize: 24
            text: bar.ctl ? bar.ctl.s["common.other_lang"] : ""
            onClicked: bar.ctl.tap("language", null)
        }
    }
}
