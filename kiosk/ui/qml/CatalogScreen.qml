import QtQuick

// The services. Home (in the top bar) leaves; there is no second button doing the same.
// A paused service still answers a tap: it says why it is paused, instead of ignoring the finger.
Item {
    id: screen
    property var ctl
    property string pausedNote: ""
    Text {
        id: heading
        anchors { left: parent.left; top: parent.top; margins: 32 }
        text: screen.ctl ? screen.ctl.s["catalog.title"] : ""
        color: "#1b2733"; font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 52 : 40; font.bold: true
    }
    GridView {
        id: grid
        anchors { left: parent.left; right: parent.right; top: heading.bottom; bottom: parent.bottom; margins: 28 }
        cellWidth: width / 3; cellHeight: Math.max(140, Math.min(170, height / 4))
        clip: true
        model: screen.ctl ? screen.ctl.catalog : []
        delegate: Item {
            required property var modelData
            width: grid.cellWidth; height: grid.cellHeight
            Rectangle {
                objectName: "service_" + modelData.id
                anchors { fill: parent; margins: 10 }
                radius: 14
                color: !modelData.available ? (tap.pressed ? "#d0d6dd" : "#e3e7ec") : tap.pressed ? "#d7e3f1" : "white"
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
                function chosen() {
                    if (modelData.available) {
                        screen.ctl.tap("service", modelData.id);
                    } else {
                        screen.pausedNote = (screen.ctl ? screen.ctl.s["catalog.paused_note"] : "")
                            .replace("{title}", modelData.title).replace("{reason}", modelData.reason);
                        noteTimer.restart();
                    }
                }
                TapHandler {
                    id: tap
                    gesturePolicy: TapHandler.ReleaseWithinBounds
                    onTapped: parent.chosen()
                    onLongPressed: parent.chosen()
                }
            }
        }
    }
    Rectangle {
        objectName: "pausedNote"
        visible: screen.pausedNote !== ""
        anchors { horizontalCenter: parent.horizontalCenter; bottom: parent.bottom; bottomMargin: 36 }
        width: Math.min(parent.width - 120, note.implicitWidth + 64); height: note.implicitHeight + 40
        radius: 14; color: "#1b2733"; opacity: 0.92
        Text { id: note; objectName: "pausedNoteText"; anchors.centerIn: parent; width: parent.width - 64
               horizontalAlignment: Text.AlignHCenter; wrapMode: Text.WordWrap; text: screen.pausedNote
               color: "white"; font.family: "WenQuanYi Micro Hei"; font.pixelSize: 28 }
        TapHandler { onTapped: screen.pausedNote = "" }
    }
    Timer { id: noteTimer; interval: 5000; onTriggered: screen.pausedNote = "" }
}
