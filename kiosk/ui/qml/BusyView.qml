import QtQuick

// Query and print steps: the work runs off the GUI thread; this only shows that it is happening.
Item {
    id: view
    property var ctl
    property var v: ctl ? ctl.view : ({})
    Column {
        anchors.centerIn: parent
        spacing: 36
        Item {
            anchors.horizontalCenter: parent.horizontalCenter
            width: 120; height: 120
            Rectangle { anchors.fill: parent; radius: 60; color: "transparent"; border.color: "#cfe0f5"; border.width: 12 }
            Rectangle {
                width: 24; height: 24; radius: 12; color: "#0b4f9c"; x: 48; y: 0
                transformOrigin: Item.Center
            }
            RotationAnimation on rotation { from: 0; to: 360; duration: 1200; loops: Animation.Infinite }
        }
        Text { objectName: "busyStatus"; anchors.horizontalCenter: parent.horizontalCenter
               text: view.v.status || (view.ctl ? view.ctl.s["common.please_wait"] : "")
               font.family: "WenQuanYi Micro Hei"; font.pixelSize: 34; color: "#1b2733" }
    }
}
