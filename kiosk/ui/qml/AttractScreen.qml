import QtQuick

Item {
    id: screen
    property var ctl
    // the height of what the window lays over this screen's bottom (the announcement bar): kept clear
    property real bottomInset: 0
    readonly property bool paused: !!(screen.ctl && screen.ctl.maintenance)
    Rectangle { anchors.fill: parent; color: "#0b4f9c" }
    Item {
        id: clearArea
        anchors { left: parent.left; right: parent.right; top: parent.top; bottom: parent.bottom
                  bottomMargin: screen.bottomInset }
    }
    Column {
        anchors.centerIn: clearArea
        spacing: 36
        Text {
            anchors.horizontalCenter: parent.horizontalCenter
            text: screen.ctl ? screen.ctl.s["attract.welcome"] : ""
            color: "white"; font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 73 : 56; font.bold: true
        }
        Text {
            id: bigClock
            anchors.horizontalCenter: parent.horizontalCenter
            color: "#cfe0f5"; font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 114 : 88
            text: Qt.formatTime(new Date(), "HH:mm")
            Timer { interval: 5000; running: true; repeat: true; onTriggered: bigClock.text = Qt.formatTime(new Date(), "HH:mm") }
        }
        Text {
            objectName: "attractPrompt"
            visible: !screen.paused  // 请放置身份证 would contradict 暂停服务
            anchors.horizontalCenter: parent.horizontalCenter
            text: screen.ctl ? screen.ctl.s["attract.prompt"] : ""
            color: "white"; font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 44 : 34
        }
        Text {
            objectName: "maintenanceNotice"
            visible: screen.paused
            anchors.horizontalCenter: parent.horizontalCenter
            text: screen.ctl ? screen.ctl.s["attract.maintenance"] : ""
            color: "#ffd27f"; font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 57 : 44; font.bold: true
        }
        BigButton {
            objectName: "startButton"
            visible: !screen.paused
            anchors.horizontalCenter: parent.horizontalCenter
            primary: false; implicitWidth: 420; height: 110; fontSize: 38
            text: screen.ctl ? screen.ctl.s["attract.start"] : ""
            onClicked: screen.ctl.tap("start", null)
        }
        Text {
            anchors.horizontalCenter: parent.horizontalCenter
            text: screen.ctl ? screen.ctl.s["attract.hours"] : ""
            color: "#cfe0f5"; font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 24
        }
    }
    BigButton {
        objectName: "demoPlaceCard"
        visible: !!(screen.ctl && screen.ctl.demo) && !screen.paused
        anchors { right: parent.right; bottom: clearArea.bottom; margins: 24 }  // above the announcement bar
        primary: false; height: 64; fontSize: 22
        text: screen.ctl ? screen.ctl.s["identify.demo_place"] : ""
        onClicked: screen.ctl.tap("demo_place_card", 0)
    }
}
