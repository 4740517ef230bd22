import QtQuick

// Touch-only form: choices are big buttons, months move with - / + (no keyboard needed).
Item {
    id: view
    property var ctl
    property var v: ctl ? ctl.view : ({})
    Flickable {
        anchors { left: parent.left; right: parent.right; top: parent.top; bottom: buttons.top; bottomMargin: 20 }
        contentHeight: fieldsColumn.height
        clip: true
        Column {
            id: fieldsColumn
            width: parent.width
            spacing: 26
            Repeater {
                model: view.v.fields || []
                Column {
                    id: fieldBox
                    required property var modelData
                    width: fieldsColumn.width
                    spacing: 12
                    Text { text: fieldBox.modelData.label; font.family: "WenQuanYi Micro Hei"; font.pixelSize: 28; color: "#5b6b7c" }
                    Row {
                        visible: fieldBox.modelData.type === "choice"
                        spacing: 20
                        Repeater {
                            model: fieldBox.modelData.options
                            BigButton {
                                required property var modelData
                                objectName: "choice_" + fieldBox.modelData.id + "_" + modelData.value
                                primary: fieldBox.modelData.value === modelData.value
                                implicitWidth: 320
                                text: modelData.label
                                onClicked: view.ctl.tap("field", { id: fieldBox.modelData.id, value: modelData.value })
                            }
                        }
                    }
                    Row {
                        visible: fieldBox.modelData.type === "month"
                        spacing: 20
                        BigButton { objectName: "month_" + fieldBox.modelData.id + "_minus"; primary: false; implicitWidth: 110; text: "−"; fontSize: 44
                                    onClicked: view.ctl.tap("month_step", { id: fieldBox.modelData.id, delta: -1 }) }
                        Rectangle {
                            width: 260; height: 88; radius: 14; color: "white"; border.color: "#0b4f9c"; border.width: 2
                            Text { objectName: "monthValue_" + fieldBox.modelData.id; anchors.centerIn: parent; text: fieldBox.modelData.value
                                   font.family: "WenQuanYi Micro Hei"; font.pixelSize: 36; font.bold: true; color: "#1b2733" }
                        }
                        BigButton { objectName: "month_" + fieldBox.modelData.id + "_plus"; primary: false; implicitWidth: 110; text: "+"; fontSize: 44
                                    onClicked: view.ctl.tap("month_step", { id: fieldBox.modelData.id, delta: 1 }) }
                    }
                    Text {
                        visible: text !== ""
                        text: (view.v.errors || {})[fieldBox.modelData.id] || ""
                        font.family: "WenQuanYi Micro Hei"; font.pixelSize: 26; color: "#c0392b"
                    }
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
        BigButton { objectName: "submitButton"; anchors.right: parent.right
                    text: view.ctl ? view.ctl.s["form.submit"] : ""; onClicked: view.ctl.tap("submit", null) }
    }
}
