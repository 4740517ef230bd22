import QtQuick

// What will be printed, before it is: a summary and a table. Columns share the width by their widest
// text (views.column_weights) and wrap, so long addresses never overprint the column beside them.
Item {
    id: view
    property var ctl
    property var v: ctl ? ctl.view : ({})
    property var table: v.table || ({ headers: [], rows: [], summary: [], aligns: [], weights: [] })
    readonly property real weightSum: {
        var w = view.table.weights || [], sum = 0;
        for (var i = 0; i < w.length; i++) sum += w[i];
        return sum || 1;
    }
    function colWidth(total, i) {
        var w = view.table.weights || [];
        return w.length ? total * w[i] / view.weightSum : total / Math.max(1, view.table.headers.length);
    }
    Rectangle {
        objectName: "previewPanel"
        anchors { left: parent.left; right: parent.right; top: parent.top; bottom: buttons.top; bottomMargin: 20 }
        radius: 14; color: "white"
        Column {
            id: summary
            anchors { left: parent.left; right: parent.right; top: parent.top; margins: 20 }
            spacing: 6
            Repeater {
                model: view.table.summary
                Text { required property var modelData; width: summary.width; wrapMode: Text.Wrap
                       text: modelData.label + (view.ctl ? view.ctl.s["common.colon"] : "：") + modelData.value
                       font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 24; color: "#1b2733" }
            }
        }
        Row {
            id: header
            anchors { left: parent.left; right: parent.right; top: summary.bottom; margins: 20 }
            Repeater {
                model: view.table.headers
                Text { required property var modelData; required property int index
                       objectName: "previewHeader_" + index
                       width: view.colWidth(header.width, index); text: modelData
                       wrapMode: Text.WrapAtWordBoundaryOrAnywhere
                       horizontalAlignment: view.table.aligns[index] === "right" ? Text.AlignRight : Text.AlignLeft
                       font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 24; font.bold: true; color: "#0b4f9c"
                       leftPadding: 6; rightPadding: 6 }
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
                width: rows.width
                bottomPadding: 8
                Repeater {
                    model: row.modelData
                    Text { required property var modelData; required property int index
                           objectName: "previewCell"
                           width: view.colWidth(rows.width, index); text: modelData
                           wrapMode: Text.WrapAtWordBoundaryOrAnywhere
                           horizontalAlignment: view.table.aligns[index] === "right" ? Text.AlignRight : Text.AlignLeft
                           font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 24; color: "#1b2733"
                           leftPadding: 6; rightPadding: 6 }
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
        Text { objectName: "previewCount"; anchors.centerIn: parent; text: view.table.count || ""
               font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 24; color: "#5b6b7c" }
        BigButton { objectName: "printButton"; anchors.right: parent.right
                    text: view.v.action || (view.ctl ? view.ctl.s["preview.print"] : ""); onClicked: view.ctl.tap("continue", null) }
    }
}
