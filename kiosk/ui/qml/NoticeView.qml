import QtQuick

Item {
    id: view
    property var ctl
    property var v: ctl ? ctl.view : ({})
    Rectangle {
        objectName: "noticePanel"
        anchors { left: parent.left; right: parent.right; top: parent.top; bottom: buttons.top; bottomMargin: 24 }
        clip: true
        radius: 14; color: "white"
        Column {
            anchors { fill: parent; margins: 40 }
            spacing: 24
            Text { objectName: "noticeBody"; width: parent.width; wrapMode: Text.WordWrap; text: view.v.body || ""
                   font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 42 : 32; color: "#1b2733"; lineHeight: 1.3 }
            Text { objectName: "noticeDetail"; width: parent.width; wrapMode: Text.WordWrap; text: view.v.detail || ""
                   font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 28; color: "#c0392b" }
        }
    }
    Item {
        id: buttons
        anchors { left: parent.left; right: parent.right; bottom: parent.bottom }
        height: 88
        BigButton { objectName: "backButton"; visible: view.v.canBack || false; primary: false
                    text: view.ctl ? view.ctl.s["common.back"] : ""; onClicked: view.ctl.tap("back", null) }
    }
    BigButton {
        objectName: "continueButton"
        anchors { right: parent.right; bottom: parent.bottom }
        text: view.ctl ? view.ctl.s["common.continue"] : ""
        onClicked: view.ctl.tap("continue", null)
    }
}
