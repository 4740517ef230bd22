import QtQuick

Item {
    id: view
    property var ctl
    property var v: ctl ? ctl.view : ({})
    property var table: v.table || ({ headers: [], rows: [], summary: [], aligns: [] })
    Rectangle {
        anchors { left: parent.left; right: parent.right; top: parent.top; bottom: buttons.top; bottomMargin: 20 }
        radius: 14; color: "white"
        Column {
            id: summary
            anchors { left: parent.left; right: parent.right; top: parent.top; margins: 20 }
            spacing: 6
            Repeater {
                model: view.table.summary
                Text { required property var modelData; text: modelData.label + "：" + modelData.value
                       font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 24; color: "#1b2733" }
            }
        }
        Row {
            id: header
            anchors { left: parent.left; right: parent.right; top: summary.bottom; margins: 20 }
            Repeater {
                model: view.table.headers
                Text { required property var modelData; required property int index
                       width: header.width / view.table.headers.length; text: modelData
                       horizontalAlignment: view.table.aligns[index] === "right" ? Text.AlignRight : Text.AlignLeft
                       font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 24; font.bold: true; color: "#0b4f9c"; rightPadding: 12 }
            }
        }
        ListView {
            id: rows
            objectName: "previewRows"
            anchors { left: parent.left; right: parent.right; top: header.bottom; bottom: parent.bottom; margins: 20; topMargin: 8 }
            clip: true
            model: view.table.rows
            delegate: Row {
                id: row
                required property var modelData
                required property int index
                width: rows.width; height: 40
                Repeater {
                    model: row.modelData
                    Text { required property var modelData; required property int index
                           width: rows.width / view.table.headers.length; text: modelData
                           horizontalAlignment: view.table.aligns[index] === "right" ? Text.AlignRight : Text.AlignLeft
                           font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 24; color: "#1b2733"; rightPadding: 12 }
                }
            }
        }
    }
    Item {
        id: buttons
        anchors { left: parent.left; right: parent.right; bottom: parent.bottom }
        height: 88
        BigButton { objectName: "backButton"; anchors.left: parent.left; visible: view.v.canBack || false; primary: false
                    text: view.ctl ? view.ctl.s["common.back"] : ""; onClicked: view.ctl.tap("back", null) }
        Text { anchors.centerIn: parent; text: view.table.count || ""; font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 24; color: "#5b6b7c" }
        BigButton { objectName: "printButton"; anchors.right: parent.right
                    text: view.ctl ? view.ctl.s["preview.print"] : ""; onClicked: view.ctl.tap("continue", null) }
    }
}
