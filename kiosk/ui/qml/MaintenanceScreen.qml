import QtQuick

// The technician's maintenance screen over the whole canvas: the PIN pad, then the panels
// (devices, sync, logs) and the actions. State and actions: `maint` (kiosk.ui.maintenance).
Rectangle {
    id: root
    property var maint
    color: "#1b2733"
    // every touch here keeps maintenance open (the idle timer ends it otherwise)
    TapHandler { onTapped: root.maint.touched() }

    // -- the PIN pad ---------------------------------------------------------------------------------
    Column {
        objectName: "pinPad"
        visible: root.maint && root.maint.pinVisible
        anchors.centerIn: parent
        spacing: 16
        Text { objectName: "pinMessage"; text: root.maint ? root.maint.pinMessage : ""; color: "white"
               font.family: "WenQuanYi Micro Hei"; font.pixelSize: 30; anchors.horizontalCenter: parent.horizontalCenter }
        Text { objectName: "pinDots"; text: root.maint ? root.maint.pinDots : ""; color: "white"
               font.pixelSize: 40; anchors.horizontalCenter: parent.horizontalCenter; height: 48 }
        Grid {
            columns: 3; spacing: 12
            anchors.horizontalCenter: parent.horizontalCenter
            Repeater {
                model: ["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "ok"]
                BigButton {
                    required property var modelData
                    objectName: "pin_" + modelData
                    primary: modelData === "ok"; implicitWidth: 140; height: 80; fontSize: 32
                    text: modelData === "clear" ? "清除" : modelData === "ok" ? "确定" : modelData
                    onClicked: root.maint.pinKey(modelData)
                }
            }
        }
        BigButton { objectName: "pinCancel"; primary: false; implicitWidth: 444; height: 72; fontSize: 26
                    anchors.horizontalCenter: parent.horizontalCenter
                    text: "取消"; onClicked: root.maint.cancelPin() }
    }

    // -- the panels ----------------------------------------------------------------------------------
    Item {
        objectName: "maintenancePanel"
        visible: root.maint && root.maint.panelOpen
        anchors.fill: parent
        Row {
            id: tabs
            anchors { left: parent.left; top: parent.top; margins: 16 }
            spacing: 12
            Repeater {
                model: [["devices", "设备"], ["sync", "同步"], ["logs", "日志"]]
                BigButton {
                    required property var modelData
                    objectName: "tab_" + modelData[0]
                    primary: root.maint && root.maint.panel === modelData[0]
                    implicitWidth: 180; height: 64; fontSize: 24
                    text: modelData[1]
                    onClicked: root.maint.show(modelData[0])
                }
            }
        }
        Row {
            anchors { right: parent.right; top: parent.top; margins: 16 }
            spacing: 12
            BigButton { objectName: "maintRestart"; danger: true; implicitWidth: 180; height: 64; fontSize: 24
                        text: "重启程序"; onClicked: root.maint.act("restart", "") }
            BigButton { objectName: "maintLeave"; implicitWidth: 180; height: 64; fontSize: 24
                        text: "退出维护"; onClicked: root.maint.act("leave", "") }
        }
        Text {
            objectName: "maintResult"
            anchors { left: parent.left; right: parent.right; bottom: parent.bottom; margins: 16 }
            text: root.maint ? root.maint.result : ""
            color: "#ffd27f"; font.family: "WenQuanYi Micro Hei"; font.pixelSize: 24; wrapMode: Text.Wrap
        }
        Flickable {
            id: body
            anchors { left: parent.left; right: parent.right; top: tabs.bottom; bottom: parent.bottom
                      margins: 16; bottomMargin: 64 }
            contentHeight: content.height
            clip: true
            Column {
                id: content
                width: body.width
                spacing: 10
                // devices: state, last error, counters, and the actions of each class
                Repeater {
                    model: root.maint && root.maint.panel === "devices" ? root.maint.devices : []
                    Rectangle {
                        required property var modelData
                        width: content.width; height: 118; radius: 10; color: "#263646"
                        Column {
                            anchors { left: parent.left; top: parent.top; margins: 12 }
                            width: parent.width * 0.55
                            Text { objectName: "device_" + modelData.name; color: "white"; font.pixelSize: 24
                                   font.family: "WenQuanYi Micro Hei"; font.bold: true
                                   text: modelData.name + "  " + modelData.state + "  " + modelData.reason }
                            Text { color: "#cfe0f5"; font.pixelSize: 18; font.family: "WenQuanYi Micro Hei"
                                   width: parent.width; elide: Text.ElideRight
                                   text: modelData.lastError ? "最近故障: " + modelData.lastError : "最近故障: 无" }
                            Text { objectName: "counters_" + modelData.name; color: "#cfe0f5"; font.pixelSize: 18
                                   font.family: "WenQuanYi Micro Hei"; width: parent.width; wrapMode: Text.Wrap
                                   text: modelData.counters }
                        }
                        Row {
                            anchors { right: parent.right; verticalCenter: parent.verticalCenter; margins: 12 }
                            spacing: 10
                            BigButton { objectName: "testPrint_" + modelData.name; visible: modelData.kind === "printer"
                                        implicitWidth: 150; height: 64; fontSize: 20; primary: false
                                        text: modelData.name === "license" ? "校准页" : "测试打印"
                                        onClicked: root.maint.act(modelData.name === "license" ? "calibrate" : "test_print",
                                                                  modelData.name) }
                            Repeater {
                                model: modelData.name === "license" ? ["x-", "x+", "y-", "y+"] : []
                                BigButton { required property var modelData
                                            objectName: "offset_" + modelData; implicitWidth: 72; height: 64
                                            fontSize: 20; primary: false; text: modelData
                                            onClicked: root.maint.act("offset", modelData) }
                            }
                            BigButton { objectName: "paperReplaced_" + modelData.name; visible: modelData.kind === "printer"
                                        implicitWidth: 150; height: 64; fontSize: 20; primary: false
                                        text: "已换纸"; onClicked: root.maint.act("paper_replaced", modelData.name) }
                            BigButton { objectName: "readCard_" + modelData.name; visible: modelData.kind === "reader"
                                        implicitWidth: 150; height: 64; fontSize: 20; primary: false
                                        text: "读测试卡"; onClicked: root.maint.act("read_card", modelData.name) }
                        }
                    }
                }
                // sync: queue, last contact, clock offset, bundles, and the link test
                Repeater {
                    model: root.maint && root.maint.panel === "sync" ? root.maint.sync : []
                    Text { required property var modelData; color: "white"; font.pixelSize: 24
                           font.family: "WenQuanYi Micro Hei"; width: content.width; wrapMode: Text.Wrap
                           objectName: "sync_" + modelData.label
                           text: modelData.label + ":  " + modelData.value }
                }
                BigButton { objectName: "linkTest"; visible: root.maint && root.maint.panel === "sync"
                            implicitWidth: 260; height: 64; fontSize: 22; primary: false
                            text: "测试后台连接"; onClicked: root.maint.act("link_test", "") }
                // logs: the last lines (scrubbed), and the diagnostic bundle for a USB stick
                BigButton { objectName: "exportDiagnostics"; visible: root.maint && root.maint.panel === "logs"
                            implicitWidth: 300; height: 64; fontSize: 22; primary: false
                            text: "导出诊断包到U盘"; onClicked: root.maint.act("export", "") }
                Text { objectName: "logText"; visible: root.maint && root.maint.panel === "logs"
                       width: content.width; wrapMode: Text.WrapAnywhere; color: "#cfe0f5"
                       font.family: "monospace"; font.pixelSize: 14
                       text: root.maint && root.maint.panel === "logs" ? root.maint.logText : "" }
            }
        }
    }
}
