import QtQuick

Item {
    id: screen
    property var ctl
    Text {
        id: heading
        anchors { left: parent.left; top: parent.top; margins: 32 }
        text: screen.ctl ? screen.ctl.s["catalog.title"] : ""
        color: "#1b2733"; font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 52 : 40; font.bold: true
    }
    GridView {
        id: grid
        anchors { left: parent.left; right: parent.right; top: heading.bottom; bottom: backButton.top; margins: 28 }
        cellWidth: width / 3; cellHeight: Math.max(140, Math.min(170, height / 3))
        clip: true
        model: screen.ctl ? screen.ctl.catalog : []
        delegate: Item {
            required property var modelData
            width: grid.cellWidth; height: grid.cellHeight
            Rectangle {
                objectName: "service_" + modelData.id
                anchors { fill: parent; margins: 10 }
                radius: 14
                color: !modelData.available ? "#e3e7ec" : tap.pressed ? "#d7e3f1" : "white"
                border.color: modelData.available ? "#0b4f9c" : "#b8c2cc"; border.width: 2
                Column {
                    anchors { fill: parent; margins: 16 }
                    spacing: 8
                    Text { text: modelData.category; color: "#5b6b7c"; font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 20 }
                    Text {
                        width: parent.width; wrapMode: Text.WordWrap
                        text: modelData.title
                        color: modelData.available ? "#0b4f9c" : "#4a5663"
                        font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 28; font.bold: true
                    }
                    Text {
                        visible: !modelData.available
                        text: (screen.ctl ? screen.ctl.s["catalog.unavailable"] : "") + " · " + modelData.reason
                        color: "#c0392b"; font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 20
                        width: parent.width; wrapMode: Text.WordWrap
                    }
                }
                TapHandler {
                    id: tap
                    enabled: modelData.available
                    gesturePolicy: TapHandler.ReleaseWithinBounds
                    onTapped: screen.ctl.tap("service", modelData.id)
                    onLongPressed: screen.ctl.tap("service", modelData.id)
                }
            }
        }
    }
    BigButton {
        id: backButton
        objectName: "backButton"
        anchors { left: parent.left; bottom: parent.bottom; margins: 24 }
        primary: false
        text: screen.ctl ? screen.ctl.s["common.back"] : ""
        onClicked: screen.ctl.tap("back", null)
    }
}
