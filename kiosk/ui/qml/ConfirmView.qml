import QtQuick

Item {
    id: view
    property var ctl
    property var v: ctl ? ctl.view : ({})
    Rectangle {
        anchors { left: parent.left; right: parent.right; top: parent.top; bottom: buttons.top; bottomMargin: 24 }
        radius: 14; color: "white"
        Column {
            anchors { fill: parent; margins: 40 }
            spacing: 26
            Repeater {
                model: view.v.identity || []
                Row {
                    required property var modelData
                    spacing: 24
                    Text { width: 220; text: modelData.label; font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 42 : 32; color: "#5b6b7c" }
                    Text { text: modelData.value; font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 52 : 40; font.bold: true; color: "#1b2733" }
                }
            }
        }
    }
    // the only place personal data is spoken: on the citizen's request, masked (kiosk/voice/prompts.py)
    BigButton { objectName: "readIdentityButton"; anchors { left: parent.left; bottom: parent.bottom }
                primary: false; minWidth: 200; text: view.ctl ? view.ctl.s["assist.read_identity"] : ""
                onClicked: assist.readIdentity() }
    Row {
        id: buttons
        anchors { right: parent.right; bottom: parent.bottom }
        spacing: 24
        BigButton { objectName: "notMeButton"; primary: false; text: view.ctl ? view.ctl.s["confirm.no"] : ""; onClicked: view.ctl.tap("not_me", null) }
        BigButton { objectName: "confirmButton"; implicitWidth: 380; text: view.ctl ? view.ctl.s["confirm.yes"] : ""; onClicked: view.ctl.tap("confirm", null) }
    }
}
