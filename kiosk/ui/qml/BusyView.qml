import QtQuick

// Query and print steps: the work runs off the GUI thread; this only shows that it is happening.
// A print step shows paper coming out of the slot below and tells the citizen where to take it.
Item {
    id: view
    property var ctl
    property var v: ctl ? ctl.view : ({})
    readonly property bool printing: v.stepType === "print"
    Column {
        anchors.centerIn: parent
        spacing: 36
        Item {
            visible: !view.printing
            anchors.horizontalCenter: parent.horizontalCenter
            width: 120; height: 120
            Rectangle { anchors.fill: parent; radius: 60; color: "transparent"; border.color: "#cfe0f5"; border.width: 12 }
            Rectangle {
                width: 24; height: 24; radius: 12; color: "#0b4f9c"; x: 48; y: 0
                transformOrigin: Item.Center
            }
            RotationAnimation on rotation { from: 0; to: 360; duration: 1200; loops: Animation.Infinite; running: !view.printing }
        }
        // the printer's slot with a sheet sliding out of it, downwards (where the paper really comes out)
        Item {
            objectName: "printAnimation"
            visible: view.printing
            anchors.horizontalCenter: parent.horizontalCenter
            width: 260; height: 220
            clip: true
            Rectangle { id: slot; width: parent.width; height: 36; radius: 8; color: "#0b4f9c" }
            Rectangle {
                id: sheet
                x: 40; width: parent.width - 80; height: 150; color: "white"; border.color: "#9aa7b4"; border.width: 2
                Column {
                    anchors { fill: parent; margins: 16 }
                    spacing: 12
                    Repeater { model: 5; Rectangle { width: parent.width * (index % 2 ? 0.7 : 1); height: 8; color: "#cfe0f5" } }
                }
                NumberAnimation on y { from: slot.height - 150; to: slot.height + 30; duration: 1400
                                       loops: Animation.Infinite; running: view.printing }
            }
            Rectangle { width: parent.width; height: 36; radius: 8; color: "#0b4f9c" }
        }
        Text { objectName: "busyStatus"; anchors.horizontalCenter: parent.horizontalCenter
               width: Math.min(implicitWidth, view.width - 40); wrapMode: Text.WordWrap; horizontalAlignment: Text.AlignHCenter
               text: view.printing ? (view.ctl ? view.ctl.s["print.producing"] : "")
                                   : (view.v.status || (view.ctl ? view.ctl.s["common.please_wait"] : ""))
               font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 44 : 34; color: "#1b2733" }
    }
}
