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
    // a text field typed on the on-screen keyboard has the focus: the keypad (for the digits field) goes away
    property bool textFocused: false
    property bool keypadShown: activeField !== null && activeField.keyboard === "digits" && !textFocused
    // the on-screen keyboard is up (it takes the lower half of the canvas): Back / Next move beside the form
    // and the error list waits, so the whole height left above the keyboard goes to the field being typed in
    readonly property bool typing: Qt.inputMethod.visible
    // the fields with an error, in screen order (for the list under the form)
    readonly property var errorLabels: {
        var fields = v.fields || [], errors = v.errors || {}, labels = [];
        for (var i = 0; i < fields.length; i++) if (errors[fields[i].id]) labels.push(fields[i].label);
        return labels;
    }

    function boxOf(id) {
        for (var i = 0; i < fieldsColumn.children.length; i++) {
            var box = fieldsColumn.children[i];
            if (box.modelData !== undefined && box.modelData.id === id) return box;
        }
        return null;
    }
    // scroll so the field (label to error line) is inside the visible part of the form
    function reveal(id) {
        var box = boxOf(id);
        if (box === null || flick.height <= 0) return;
        var limit = Math.max(0, flick.contentHeight - flick.height);
        if (box.y < flick.contentY) flick.contentY = Math.max(0, box.y - 8);
        else if (box.y + box.height > flick.contentY + flick.height)
            flick.contentY = Math.min(limit, Math.max(0, box.y + box.height - flick.height + 8));
    }
    function isShown(id) {
        var box = boxOf(id);
        // wholly in sight: a field half under the fold is one the citizen may not see typing into
        return box !== null && box.y >= flick.contentY - 1 && box.y + box.height <= flick.contentY + flick.height + 1;
    }
    // the keypad writes only into a field the citizen can see: scrolled out of sight, it loses the focus
    function dropHiddenFocus() {
        if (view.v.activeField && view.activeField !== null && view.activeField.keyboard === "digits"
                && !view.isShown(view.v.activeField))
            view.ctl.tap("focus", "");
    }
    onActiveFieldChanged: if (activeField !== null) Qt.callLater(reveal, activeField.id)
    // after a refused submit: scroll to the first field in error (the rest are listed under the form)
    onErrorLabelsChanged: {
        var fields = v.fields || [], errors = v.errors || {};
        for (var i = 0; i < fields.length; i++) if (errors[fields[i].id]) { Qt.callLater(reveal, fields[i].id); return; }
    }
    Flickable {
        id: flick
        objectName: "formFlick"
        anchors { left: parent.left; top: parent.top; bottomMargin: view.typing ? 0 : 12
                  bottom: view.typing ? parent.bottom : errorList.visible ? errorList.top : buttons.top }
        onMovementEnded: view.dropHiddenFocus()
        // the on-screen keyboard took the lower part of the screen: keep the field being typed in above it
        // (the narrower form beside Back / Next rewraps the labels, so the content's height moves too)
        function keepFocusedInSight() {
            var focused = view.focusedText();
            if (focused !== "") Qt.callLater(view.reveal, focused);
        }
        onHeightChanged: keepFocusedInSight()
        onWidthChanged: keepFocusedInSight()
        onContentHeightChanged: keepFocusedInSight()
        width: view.keypadShown ? parent.width - keypad.width - 24 : view.typing ? parent.width - buttons.width - 24 : parent.width
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
                    property alias textInput: textInput
                    width: fieldsColumn.width
                    spacing: 10
                    Text { objectName: "label_" + fieldBox.modelData.id; width: parent.width; wrapMode: Text.WordWrap
                           text: fieldBox.modelData.caption || fieldBox.modelData.label
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
                                primary: false
                                selected: fieldBox.modelData.value === modelData.value
                                implicitWidth: 320
                                text: modelData.label
                                onClicked: view.ctl.tap("field", { id: fieldBox.modelData.id, value: modelData.value })
                            }
                        }
                    }
                    Row {
                        visible: fieldBox.modelData.type === "yesno"
                        spacing: 16
                        BigButton { objectName: "yes_" + fieldBox.modelData.id; primary: false; selected: fieldBox.modelData.value === true
                                    text: view.ctl ? view.ctl.s["form.yes"] : ""
                                    onClicked: view.ctl.tap("field", { id: fieldBox.modelData.id, value: true }) }
                        BigButton { objectName: "no_" + fieldBox.modelData.id; primary: false; selected: fieldBox.modelData.value === false
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
                            onTapped: view.focusDigits(fieldBox.modelData.id)
                            onLongPressed: view.focusDigits(fieldBox.modelData.id)
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
                            Component.onDestruction: if (activeFocus) view.textFocused = false
                            onActiveFocusChanged: {
                                view.textFocused = activeFocus;
                                if (!activeFocus) return;
                                VirtualKeyboardSettings.locale = fieldBox.modelData.keyboard === "latin" ? "en_US" : "zh_CN";
                                // a focused field always has its keyboard (CI: the digit keypad's hide, still
                                // queued, could win over the press that focused this field and leave no keys)
                                Qt.callLater(Qt.inputMethod.show);
                                Qt.callLater(view.reveal, fieldBox.modelData.id);
                            }
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
    function focusDigits(id) {
        view.forceActiveFocus();  // takes the focus from a text field: its keyboard closes
        Qt.inputMethod.hide();
        view.textFocused = false;
        view.ctl.tap("focus", id);
    }
    function focusedText() {
        var fields = v.fields || [];
        for (var i = 0; i < fields.length; i++) {
            var box = boxOf(fields[i].id);
            if (box !== null && fields[i].keyboard !== "digits") {
                var input = box.textInput;
                if (input && input.activeFocus) return fields[i].id;
            }
        }
        return "";
    }
    Keypad {
        id: keypad
        ctl: view.ctl
        visible: view.keypadShown
        // beside the form and above Back / Next, never under them
        anchors { right: parent.right; top: parent.top; bottom: buttons.top; bottomMargin: 12 }
    }
    Text {
        id: errorList
        objectName: "errorSummary"
        visible: view.errorLabels.length > 0 && !view.typing
        anchors { left: parent.left; right: parent.right; bottom: buttons.top; bottomMargin: 8 }
        wrapMode: Text.WordWrap
        text: view.ctl ? (view.ctl.s["form.error_summary"] || "").replace("{n}", view.errorLabels.length)
                         .replace("{fields}", view.errorLabels.join(view.ctl.s["common.list_sep"] || "、")) : ""
        font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 24; color: "#c0392b"
    }
    // Back at the left and Next at the right under the form; while typing, side by side right of the form
    // (a field is at most 620 px wide), at the bottom, just above the keyboard
    Item {
        id: buttons
        anchors { right: parent.right; bottom: parent.bottom }
        width: view.typing ? (backButton.visible ? backButton.width + 16 : 0) + submitButton.width : parent.width
        height: assist.sizes.button
        BigButton { id: backButton; objectName: "backButton"; anchors.left: parent.left; visible: view.v.canBack || false; primary: false
                    text: view.ctl ? view.ctl.s["common.back"] : ""; onClicked: view.ctl.tap("back", null) }
        BigButton { id: submitButton; objectName: "submitButton"; anchors.right: parent.right
                    text: view.ctl ? view.ctl.s["form.submit"] : ""; onClicked: view.ctl.tap("submit", null) }
    }
}
