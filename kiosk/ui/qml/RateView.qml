import QtQuick

// 好差评 (flows/ratings.yaml, GB/T 39734-2020): voluntary — the screen says so and 暂不评价 is one tap, always
// at hand. The five levels are 整体满意度; once one is chosen, the four indicators of the online/self-service set
// can each be rated on three points, a 差评 (levels 1-2) offers its reasons, and any level takes an optional
// 意见 typed on the on-screen keyboard. Every choice is optional except the level itself.
Item {
    id: view
    property var ctl
    property var v: ctl ? ctl.view : ({})
    property bool chosen: (v.selectedLevel || 0) > 0
    property int labelSize: assist.elderly ? 40 : 26
    // once a level is chosen, the optional parts below it come into view (elderly mode does not fit them all)
    // at once (not on a timer), so nothing moves under a finger already on its way to the next button
    onChosenChanged: if (chosen) Qt.callLater(reveal)
    function reveal() {
        content.forceLayout()  // the parts that just appeared get their places before we scroll to them
        flick.contentY = Math.max(0, Math.min(indicatorsLabel.y - 10, flick.contentHeight - flick.height))
    }
    Flickable {
        id: flick
        anchors { left: parent.left; right: parent.right; top: parent.top; bottom: parent.bottom; bottomMargin: assist.sizes.button + 16 }
        contentHeight: content.height
        clip: true
        Column {
            id: content
            width: flick.width
            spacing: 18
            Text { objectName: "rateSubject"; visible: text !== ""; text: view.v.subject || ""
                   font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 28; font.bold: true; color: "#0b4f9c" }
            Text { objectName: "ratePrompt"; width: parent.width; wrapMode: Text.Wrap
                   text: view.ctl ? view.ctl.s["rate.prompt"] : ""
                   font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 28; color: "#3d4a57" }
            Flow {
                width: parent.width
                spacing: 16
                Repeater {
                    model: view.v.levels || []
                    BigButton {
                        required property var modelData
                        objectName: "rate_" + modelData.level
                        primary: view.v.selectedLevel === modelData.level
                        danger: view.v.selectedLevel === modelData.level && (view.v.badLevels || []).indexOf(modelData.level) >= 0
                        minWidth: assist.elderly ? 230 : 220; height: assist.sizes.button + 16
                        text: modelData.label
                        onClicked: view.ctl.tap("rate_level", modelData.level)
                    }
                }
            }
            Text { id: indicatorsLabel; visible: view.chosen; text: view.ctl ? view.ctl.s["rate.indicators"] : ""
                   font.family: "WenQuanYi Micro Hei"; font.pixelSize: view.labelSize; color: "#3d4a57" }
            Repeater {
                model: view.chosen ? (view.v.indicators || []) : []
                Row {
                    id: indicatorRow
                    required property var modelData
                    spacing: 12
                    Text { width: assist.elderly ? 320 : 240; height: assist.sizes.button; verticalAlignment: Text.AlignVCenter
                           wrapMode: Text.Wrap; text: indicatorRow.modelData.label
                           font.family: "WenQuanYi Micro Hei"; font.pixelSize: view.labelSize; font.bold: true; color: "#1b2733" }
                    Repeater {
                        model: view.v.scale || []
                        BigButton {
                            required property var modelData
                            objectName: "score_" + indicatorRow.modelData.id + "_" + modelData.value
                            primary: false
                            selected: (view.v.scores || {})[indicatorRow.modelData.id] === modelData.value
                            minWidth: assist.elderly ? 200 : 150; fontSize: 24
                            text: modelData.label
                            onClicked: view.ctl.tap("rate_indicator", {"id": indicatorRow.modelData.id, "value": modelData.value})
                        }
                    }
                }
            }
            Text { visible: view.chosen && view.v.bad === true; text: view.ctl ? view.ctl.s["rate.reasons"] : ""
                   font.family: "WenQuanYi Micro Hei"; font.pixelSize: view.labelSize; color: "#3d4a57" }
            Flow {
                visible: view.chosen && view.v.bad === true
                width: parent.width
                spacing: 14
                Repeater {
                    model: view.chosen && view.v.bad === true ? (view.v.reasons || []) : []
                    BigButton {
                        required property var modelData
                        objectName: "reason_" + modelData.id
                        primary: false
                        selected: (view.v.selectedReasons || []).indexOf(modelData.id) >= 0
                        minWidth: 200; fontSize: 24
                        text: modelData.label
                        onClicked: view.ctl.tap("rate_reason", modelData.id)
                    }
                }
            }
            // the optional 意见, typed on the on-screen keyboard; bounded, never logged
            Text { visible: view.chosen; text: view.ctl ? view.ctl.s["rate.comment"] : ""
                   font.family: "WenQuanYi Micro Hei"; font.pixelSize: view.labelSize; color: "#3d4a57" }
            Rectangle {
                id: commentBox
                visible: view.chosen
                width: Math.min(parent.width, 900); height: assist.sizes.button; radius: 12; color: "white"
                border.color: comment.activeFocus ? "#e8a317" : "#0b4f9c"; border.width: 3
                TextInput {
                    id: comment
                    objectName: "rateComment"
                    anchors { fill: parent; leftMargin: 18; rightMargin: 18 }
                    verticalAlignment: TextInput.AlignVCenter
                    font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 30; color: "#1b2733"
                    maximumLength: view.v.commentMax || 200
                    text: view.v.comment || ""
                    onTextEdited: view.ctl.tap("rate_comment", text)
                    onActiveFocusChanged: if (activeFocus) flick.contentY = Math.max(0, commentBox.y - 10)
                }
            }
        }
    }
    // more below the fold (elderly mode: a 差评's reasons and the comment do not fit): say so, with an arrow,
    // until the citizen has scrolled to the end
    Text {
        objectName: "rateMore"
        visible: view.chosen && !view.v.status && flick.contentHeight > flick.height + 4 && !flick.atYEnd
        anchors { horizontalCenter: parent.horizontalCenter; bottom: parent.bottom; bottomMargin: assist.sizes.button + 20 }
        text: (view.ctl ? view.ctl.s["rate.more"] : "") + "  ▼"
        font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 26; font.bold: true; color: "#0b4f9c"
        Rectangle { z: -1; anchors.fill: parent; anchors.margins: -8; color: "#eef4fb"; radius: 8 }
    }
    // "正在保存评价…" for the moment the store takes, or why it did not save (then submit tries again)
    Text {
        objectName: "rateStatus"
        visible: text !== ""
        anchors { left: parent.left; right: parent.right; bottom: parent.bottom; bottomMargin: assist.sizes.button + 20 }
        wrapMode: Text.Wrap; horizontalAlignment: Text.AlignHCenter
        text: view.v.status || ""
        font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 28; font.bold: true
        color: view.v.saving ? "#1b2733" : "#b3261e"
        Rectangle { z: -1; anchors.fill: parent; anchors.margins: -8; color: "#fff4e5"; radius: 8 }
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
        enabled: view.chosen && !view.v.saving  // nothing to submit before a level, nothing twice
        text: view.ctl ? view.ctl.s["rate.submit"] : ""
        onClicked: view.ctl.tap("rate_submit", null)
    }
}
