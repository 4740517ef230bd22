import QtQuick

Rectangle {
    id: bar
    property var ctl
    height: 84
    color: "#0b4f9c"
    // while paper is being produced, neither Home nor the language may interrupt: the paper comes out anyway
    readonly property bool producing: !!bar.ctl && bar.ctl.screen === "step" && bar.ctl.view.stepType === "print"
    Text {
        anchors { left: parent.left; leftMargin: 28; verticalCenter: parent.verticalCenter }
        text: bar.ctl ? bar.ctl.terminalName : ""
        color: "white"; font.family: "WenQuanYi Micro Hei"; font.pixelSize: 26; font.bold: true
    }
    Row {
        anchors { right: parent.right; rightMargin: 20; verticalCenter: parent.verticalCenter }
        spacing: 16
        Rectangle {
            width: 14; height: 14; radius: 7; anchors.verticalCenter: parent.verticalCenter
            color: bar.ctl && bar.ctl.online ? "#5cd67a" : "#f0a030"
        }
        Text {
            id: clock
            anchors.verticalCenter: parent.verticalCenter
            color: "white"; font.family: "WenQuanYi Micro Hei"; font.pixelSize: 24
            text: Qt.formatDateTime(new Date(), "yyyy-MM-dd HH:mm")
            Timer { interval: 10000; running: true; repeat: true
                    onTriggered: clock.text = Qt.formatDateTime(new Date(), "yyyy-MM-dd HH:mm") }
        }
        BigButton {
            objectName: "homeButton"
            visible: bar.ctl && bar.ctl.screen !== "attract"
            enabled: !bar.producing
            primary: false; height: 64; implicitWidth: 150; fontSize: 24
            text: bar.ctl ? bar.ctl.s["common.home"] : ""
            onClicked: bar.ctl.tap("home", null)
        }
        BigButton {
            objectName: "langButton"
            enabled: !bar.producing
            primary: false; height: 64; implicitWidth: 150; fontSize: 24
            text: bar.ctl ? bar.ctl.s["common.other_lang"] : ""
            onClicked: bar.ctl.tap("language", null)
        }
    }
}
