import QtQuick

// '还需要更多时间吗?' with a visible countdown; at zero the session is wiped and the kiosk goes home.
Rectangle {
    id: overlay
    property var ctl
    color: "#b0000000"
    objectName: "timeoutOverlay"
    MouseArea { anchors.fill: parent }  // swallow touches outside the dialog
    Rectangle {
        anchors.centerIn: parent
        width: 760; height: 420; radius: 18; color: "white"
        Column {
            anchors.centerIn: parent
            spacing: 30
            Text { anchors.horizontalCenter: parent.horizontalCenter; text: overlay.ctl ? overlay.ctl.s["timeout.title"] : ""
                   font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 55 : 42; font.bold: true; color: "#1b2733" }
            Text {
                objectName: "countdownText"
                anchors.horizontalCenter: parent.horizontalCenter
                text: overlay.ctl ? (overlay.ctl.s["timeout.countdown"] || "").replace("{n}", overlay.ctl.countdown) : ""
                font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 26; color: "#c0392b"
            }
            Row {
                anchors.horizontalCenter: parent.horizontalCenter
                spacing: 30
                BigButton { objectName: "endSession"; primary: false; text: overlay.ctl ? overlay.ctl.s["timeout.end"] : ""
                            onClicked: overlay.ctl.tap("end", null) }
                BigButton { objectName: "moreTime"; text: overlay.ctl ? overlay.ctl.s["timeout.more"] : ""
                            onClicked: overlay.ctl.tap("more_time", null) }
            }
        }
    }
}
