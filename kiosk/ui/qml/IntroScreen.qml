import QtQuick

// 一次性告知: what the citizen needs, shown once before the service starts.
Item {
    id: screen
    property var ctl
    property var v: ctl ? ctl.view : ({})
    Rectangle {
        anchors { fill: parent; margins: 32; bottomMargin: 140 }
        radius: 14; color: "white"
        clip: true
        Column {
            anchors { fill: parent; margins: 36 }
            spacing: 16
            Text { text: screen.v.title || ""; font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 52 : 40; font.bold: true; color: "#0b4f9c" }
            Text { text: screen.ctl ? screen.ctl.s["intro.title"] : ""; font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 28; color: "#5b6b7c" }
            Text { objectName: "introNotice"; width: parent.width; wrapMode: Text.WordWrap; text: screen.v.notice || ""; font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 28; color: "#1b2733"; lineHeight: 1.2 }
            Text { objectName: "introIdentity"; visible: text !== ""; text: screen.v.identity || ""
                   font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 30; font.bold: true; color: "#1b2733" }
            Text { visible: text !== ""; text: screen.v.materialsTitle || ""
                   font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 30; font.bold: true; color: "#1b2733" }
            Repeater {
                model: screen.v.materials || []
                Text { required property var modelData; objectName: "introMaterial"; width: parent.width
                       wrapMode: Text.WordWrap; text: modelData
                       font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 28; color: "#1b2733" }
            }
        }
    }
    BigButton {
        objectName: "backButton"
        anchors { left: parent.left; bottom: parent.bottom; margins: 24 }
        primary: false
        text: screen.ctl ? screen.ctl.s["common.back"] : ""
        onClicked: screen.ctl.tap("back", null)
    }
    BigButton {
        objectName: "beginButton"
        anchors { right: parent.right; bottom: parent.bottom; margins: 24 }
        implicitWidth: 420
        text: screen.ctl ? screen.ctl.s["intro.start"] : ""
        onClicked: screen.ctl.tap("begin", null)
    }
}
