import QtQuick

// 好差评: five levels, then the indicator options of the chosen level.
Item {
    id: view
    property var ctl
    property var v: ctl ? ctl.view : ({})
    property var chosen: {
        var levels = v.levels || [];
        for (var i = 0; i < levels.length; i++) if (levels[i].level === v.selectedLevel) return levels[i];
        return null;
    }
    Flickable {
        id: flick
        anchors { left: parent.left; right: parent.right; top: parent.top; bottom: parent.bottom; bottomMargin: 104 }
        contentHeight: content.height
        clip: true
        Column {
            id: content
            width: flick.width
            spacing: 22
            Text { objectName: "rateSubject"; visible: text !== ""; text: view.v.subject || ""
                   font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 28; font.bold: true; color: "#0b4f9c" }
            Text { text: view.ctl ? view.ctl.s["rate.prompt"] : ""; font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 28; color: "#5b6b7c" }
            Row {
                spacing: 16
                Repeater {
                    model: view.v.levels || []
                    BigButton {
                        required property var modelData
                        objectName: "rate_" + modelData.level
                        primary: view.v.selectedLevel === modelData.level
                        danger: view.v.selectedLevel === modelData.level && modelData.level <= 2
                        implicitWidth: 228; height: 110
                        text: modelData.label
                        onClicked: view.ctl.tap("rate_level", modelData.level)
                    }
                }
            }
            Text { visible: view.chosen !== null; text: view.ctl ? view.ctl.s["rate.indicators"] : ""
                   font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 26; color: "#5b6b7c" }
            Flow {
                width: parent.width
                spacing: 16
                Repeater {
                    model: view.chosen ? view.chosen.indicators : []
                    BigButton {
                        required property var modelData
                        objectName: "indicator_" + modelData.id
                        primary: (view.v.selectedIndicators || []).indexOf(modelData.id) >= 0
                        height: 76; fontSize: 26
                        text: modelData.label
                        onClicked: view.ctl.tap("rate_indicator", modelData.id)
                    }
                }
            }
            // optional comment, typed with the Pinyin keyboard
            Text { visible: view.chosen !== null; text: view.ctl ? view.ctl.s["rate.comment"] : ""
                   font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 26; color: "#5b6b7c" }
            Rectangle {
                id: commentBox
                visible: view.chosen !== null
                width: Math.min(parent.width, 900); height: 84; radius: 12; color: "white"
                border.color: comment.activeFocus ? "#e8a317" : "#0b4f9c"; border.width: 3
                TextInput {
                    id: comment
                    objectName: "rateComment"
                    anchors { fill: parent; leftMargin: 18; rightMargin: 18 }
                    verticalAlignment: TextInput.AlignVCenter
                    font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 30; color: "#1b2733"
                    maximumLength: 200
                    text: view.v.comment || ""
                    onTextEdited: view.ctl.tap("rate_comment", text)
                    onActiveFocusChanged: if (activeFocus) flick.contentY = Math.max(0, commentBox.y - 10)
                }
            }
        }
    }
    BigButton {
        objectName: "rateSkip"
        anchors { left: parent.left; bottom: parent.bottom }
        primary: false
        text: view.ctl ? view.ctl.s["rate.skip"] : ""
        onClicked: view.ctl.tap("rate_skip", null)
    }
    BigButton {
        objectName: "rateSubmit"
        anchors { right: parent.right; bottom: parent.bottom }
        enabled: (view.v.selectedLevel || 0) > 0
        text: view.ctl ? view.ctl.s["rate.submit"] : ""
        onClicked: view.ctl.tap("rate_submit", null)
    }
}
