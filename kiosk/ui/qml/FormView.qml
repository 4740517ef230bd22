import QtQuick
import QtQuick.VirtualKeyboard.Settings

// Touch-only form. Choices and yes/no are big buttons, months move with - / +, numbers use the
// keypad on the right, and text uses the on-screen keyboard (Latin or Pinyin) in the window.
Item {
    id: view
    property var ctl
    property var v: ctl ? ctl.view : ({})
    property var activeField: {
        var fields = v.fields || [];
        for (var i = 0; i < fields.length; i++) if (fields[i].id === v.activeField) return fields[i];
        return null;
    }
    property bool keypadShown: activeField !== null && activeField.keyboard === "digits"
    Flickable {
        id: flick
        anchors { left: parent.left; top: parent.top; bottom: buttons.top; bottomMargin: 20 }
        width: view.keypadShown ? parent.width - keypad.width - 24 : parent.width
        contentHeight: fieldsColumn.height
        clip: true
        Column {
            id: fieldsColumn
            width: parent.width
            spacing: 22
            Repeater {
                model: view.v.fields || []
                Column {
                    id: fieldBox
                    required property var modelData
                    width: fieldsColumn.width
                    spacing: 10
                    Text { text: fieldBox.modelData.label + (fieldBox.modelData.hint ? "（" + fieldBox.modelData.hint + "）" : "")
                           font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 26; color: "#5b6b7c" }
                    Flow {
                        visible: fieldBox.modelData.type === "choice"
                        width: parent.width
                        spacing: 16
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
                        visible: fieldBox.modelData.type === "yesno"
                        spacing: 16
                        BigButton { objectName: "yes_" + fieldBox.modelData.id; primary: fieldBox.modelData.value === true
                                    text: view.ctl ? view.ctl.s["form.yes"] : ""
                                    onClicked: view.ctl.tap("field", { id: fieldBox.modelData.id, value: true }) }
                        BigButton { objectName: "no_" + fieldBox.modelData.id; primary: fieldBox.modelData.value === false
                                    text: view.ctl ? view.ctl.s["form.no"] : ""
                                    onClicked: view.ctl.tap("field", { id: fieldBox.modelData.id, value: false }) }
                    }
                    Row {
                        visible: fieldBox.modelData.type === "month"
                        spacing: 16
                        BigButton { objectName: "month_" + fieldBox.modelData.id + "_minus"; primary: false; implicitWidth: 110; text: "−"; fontSize: 44
                                    onClicked: view.ctl.tap("month_step", { id: fieldBox.modelData.id, delta: -1 }) }
                        Rectangle {
                            width: 260; height: 88; radius: 14; color: "white"; border.color: "#0b4f9c"; border.width: 2
                            Text { objectName: "monthValue_" + fieldBox.modelData.id; anchors.centerIn: parent; text: fieldBox.modelData.display
                                   font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 47 : 36; font.bold: true; color: "#1b2733" }
                        }
                        BigButton { objectName: "month_" + fieldBox.modelData.id + "_plus"; primary: false; implicitWidth: 110; text: "+"; fontSize: 44
                                    onClicked: view.ctl.tap("month_step", { id: fieldBox.modelData.id, delta: 1 }) }
                    }
                    // digits: a box that shows the value; tapping it opens the keypad
                    Rectangle {
                        objectName: "input_" + fieldBox.modelData.id
                        visible: ["choice", "yesno", "month"].indexOf(fieldBox.modelData.type) < 0 && fieldBox.modelData.keyboard === "digits"
                        width: Math.min(parent.width, 620); height: 84; radius: 12; color: "white"
                        border.color: view.v.activeField === fieldBox.modelData.id ? "#e8a317" : "#0b4f9c"; border.width: 3
                        Text { anchors { left: parent.left; leftMargin: 18; verticalCenter: parent.verticalCenter }
                               text: fieldBox.modelData.display || (view.ctl ? view.ctl.s["form.tap_to_enter"] : "")
                               color: fieldBox.modelData.display ? "#1b2733" : "#5b6b7c"
                               font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 42 : 32 }
                        TapHandler {
                            gesturePolicy: TapHandler.ReleaseWithinBounds
                            onTapped: view.ctl.tap("focus", fieldBox.modelData.id)
                            onLongPressed: view.ctl.tap("focus", fieldBox.modelData.id)
                        }
                    }
                    // text: a real text input fed by the on-screen keyboard (Latin or Pinyin)
                    Rectangle {
                        visible: ["choice", "yesno", "month"].indexOf(fieldBox.modelData.type) < 0 && fieldBox.modelData.keyboard !== "digits"
                        width: Math.min(parent.width, 620); height: 84; radius: 12; color: "white"
                        border.color: textInput.activeFocus ? "#e8a317" : "#0b4f9c"; border.width: 3
                        TextInput {
                            id: textInput
                            objectName: "text_" + fieldBox.modelData.id
                            anchors { fill: parent; leftMargin: 18; rightMargin: 18 }
                            verticalAlignment: TextInput.AlignVCenter
                            font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 42 : 32; color: "#1b2733"
                            text: fieldBox.modelData.display
                            inputMethodHints: fieldBox.modelData.keyboard === "latin" ? (Qt.ImhNoPredictiveText | Qt.ImhPreferUppercase | Qt.ImhLatinOnly) : Qt.ImhNone
                            onTextEdited: view.ctl.tap("field", { id: fieldBox.modelData.id, value: text, typing: true })
                            onActiveFocusChanged: if (activeFocus)
                                VirtualKeyboardSettings.locale = fieldBox.modelData.keyboard === "latin" ? "en_US" : "zh_CN"
                        }
                    }
                    Text {
                        objectName: "error_" + fieldBox.modelData.id
                        visible: text !== ""
                        text: (view.v.errors || {})[fieldBox.modelData.id] || ""
                        font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 24; color: "#c0392b"
                    }
                }
            }
        }
    }
    Keypad {
        id: keypad
        ctl: view.ctl
        visible: view.keypadShown
        anchors { right: parent.right; top: parent.top }
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
