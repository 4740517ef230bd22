import QtQuick

Item {
    id: view
    property var ctl
    property var v: ctl ? ctl.view : ({})
    Column {
        anchors.centerIn: parent
        width: parent.width
        spacing: 30
        Text { anchors.horizontalCenter: parent.horizontalCenter; text: "✓"; font.pixelSize: assist.elderly ? 156 : 120; color: "#1e8e3e" }
        Text { objectName: "doneBody"; width: parent.width - 40; anchors.horizontalCenter: parent.horizontalCenter
               wrapMode: Text.WordWrap; horizontalAlignment: Text.AlignHCenter; text: view.v.body || ""
               font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 47 : 36; font.bold: true; color: "#1b2733" }
        Text { objectName: "caseNumber"; anchors.horizontalCenter: parent.horizontalCenter; text: view.v.caseNo || ""
               width: Math.min(implicitWidth, parent.width - 40); wrapMode: Text.WrapAtWordBoundaryOrAnywhere
               font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 30; color: "#0b4f9c" }
        Text { objectName: "queuedNote"; anchors.horizontalCenter: parent.horizontalCenter; visible: text !== ""
               width: parent.width - 40; wrapMode: Text.WordWrap; horizontalAlignment: Text.AlignHCenter
               text: view.v.queued || ""
               font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 26; color: "#b36b00" }
        BigButton { objectName: "doneHome"; anchors.horizontalCenter: parent.horizontalCenter
                    text: view.ctl ? view.ctl.s["done.home"] : ""; onClicked: view.ctl.tap("home", null) }
    }
}
