import QtQuick

Item {
    id: screen
    property var ctl
    Column {
        anchors.centerIn: parent
        width: parent.width - 160
        spacing: 48
        Text {
            objectName: "messageText"
            width: parent.width; wrapMode: Text.WordWrap; horizontalAlignment: Text.AlignHCenter
            text: screen.ctl ? screen.ctl.message : ""
            font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 52 : 40; font.bold: true; color: "#1b2733"
        }
        BigButton {
            objectName: "messageOk"
            anchors.horizontalCenter: parent.horizontalCenter
            text: screen.ctl ? screen.ctl.s["common.ok"] : ""
            onClicked: screen.ctl.tap("dismiss", null)
        }
    }
}
