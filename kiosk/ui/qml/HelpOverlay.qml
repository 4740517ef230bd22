import QtQuick

// Shown after 呼叫帮助: the call is queued for the console; the citizen is told staff are coming.
Rectangle {
    id: overlay
    property var ctl
    objectName: "helpOverlay"
    color: "#cc0b1a2b"
    TapHandler { onTapped: assist.dismissHelp() }
    Rectangle {
        anchors.centerIn: parent
        width: Math.min(parent.width - 120, 900); height: col.implicitHeight + 80
        radius: 20; color: "white"
        Column {
            id: col
            anchors.centerIn: parent
            width: parent.width - 80
            spacing: 32
            Text {
                objectName: "helpText"
                width: parent.width; horizontalAlignment: Text.AlignHCenter; wrapMode: Text.WordWrap
                text: overlay.ctl ? overlay.ctl.s["assist.help_called"] : ""
                color: "#1b2733"; font.family: "WenQuanYi Micro Hei"; font.bold: true
                font.pixelSize: assist.elderly ? 52 : 40
            }
            BigButton {
                objectName: "helpOk"
                anchors.horizontalCenter: parent.horizontalCenter
                text: overlay.ctl ? overlay.ctl.s["common.ok"] || "OK" : ""
                onClicked: assist.dismissHelp()
            }
        }
    }
}
