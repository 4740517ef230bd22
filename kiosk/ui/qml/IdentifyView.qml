import QtQuick

Item {
    id: view
    property var ctl
    property var v: ctl ? ctl.view : ({})
    Column {
        anchors.centerIn: parent
        spacing: 28
        Rectangle {
            anchors.horizontalCenter: parent.horizontalCenter
            width: 360; height: 226; radius: 18; color: "#dbe7f5"; border.color: "#0b4f9c"; border.width: 4
            Text { anchors.centerIn: parent; text: "▼"; font.pixelSize: assist.elderly ? 117 : 90; color: "#0b4f9c" }
            SequentialAnimation on opacity { loops: Animation.Infinite; NumberAnimation { to: 0.55; duration: 900 } NumberAnimation { to: 1; duration: 900 } }
        }
        Text { objectName: "identifyPrompt"; anchors.horizontalCenter: parent.horizontalCenter; text: view.v.prompt || ""
               font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 47 : 36; font.bold: true; color: "#1b2733" }
        Text { anchors.horizontalCenter: parent.horizontalCenter; text: view.ctl ? view.ctl.s["identify.hint"] : ""
               font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 26; color: "#5b6b7c" }
        Text { objectName: "identifyStatus"; anchors.horizontalCenter: parent.horizontalCenter
               text: view.v.status && view.v.status !== (view.ctl ? view.ctl.s["identify.prompt"] : "") ? view.v.status : ""
               font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 28; color: "#c0392b" }
    }
    BigButton {
        objectName: "demoPlaceCard"
        visible: view.ctl && view.ctl.demo
        anchors { right: parent.right; bottom: parent.bottom }
        primary: false; height: 64; fontSize: 22
        text: view.ctl ? view.ctl.s["identify.demo_place"] : ""
        onClicked: view.ctl.tap("demo_place_card", 0)
    }
    BigButton {
        objectName: "backButton"
        visible: view.v.canBack || false
        anchors { left: parent.left; bottom: parent.bottom }
        primary: false
        text: view.ctl ? view.ctl.s["common.back"] : ""
        onClicked: view.ctl.tap("back", null)
    }
}
