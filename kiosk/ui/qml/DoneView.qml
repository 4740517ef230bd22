import QtQuick

// The end screen of an outcome (kiosk.ui.views.end_view): only a completed case shows the tick and
// "please take ..."; any other outcome says what happened, the case number, where to go, and offers a
// retry when one can help (the printer is back).
Item {
    id: view
    property var ctl
    property var v: ctl ? ctl.view : ({})
    property bool success: v.success === undefined ? true : v.success
    Column {
        anchors { verticalCenter: parent.verticalCenter; left: parent.left; leftMargin: 40 }
        width: parent.width - 80 - (ratePanel.visible ? ratePanel.width + 24 : 0)
        spacing: 26
        Text { objectName: "doneTick"; visible: view.success; anchors.horizontalCenter: parent.horizontalCenter
               text: "✓"; font.pixelSize: assist.elderly ? 156 : 120; color: "#1e8e3e" }
        Text { objectName: "doneFailure"; visible: text !== ""; width: parent.width
               horizontalAlignment: Text.AlignHCenter; wrapMode: Text.Wrap
               text: view.v.detail ? (view.ctl ? view.ctl.s["form.caption_hint"] : "{label}（{hint}）")
                      .replace("{label}", view.v.failure || "").replace("{hint}", view.v.detail) : (view.v.failure || "")
               font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 30; color: "#b3261e" }
        Text { objectName: "doneBody"; width: parent.width; horizontalAlignment: Text.AlignHCenter
               wrapMode: Text.Wrap; text: view.v.body || ""
               font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 42 : 32; font.bold: view.success; color: "#1b2733" }
        Text { objectName: "caseNumber"; anchors.horizontalCenter: parent.horizontalCenter; text: view.v.caseNo || ""
               width: Math.min(implicitWidth, parent.width - 40); wrapMode: Text.WrapAtWordBoundaryOrAnywhere
               font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 30; color: "#0b4f9c" }
        Text { objectName: "doneWhere"; visible: text !== ""; width: parent.width
               horizontalAlignment: Text.AlignHCenter; wrapMode: Text.Wrap; text: view.v.where || ""
               font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 28; color: "#1b2733" }
        Text { objectName: "queuedNote"; anchors.horizontalCenter: parent.horizontalCenter; visible: text !== ""
               width: parent.width - 40; wrapMode: Text.WordWrap; horizontalAlignment: Text.AlignHCenter
               text: view.v.queued || ""
               font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 26; color: "#b36b00" }
        Row {
            anchors.horizontalCenter: parent.horizontalCenter
            spacing: 24
            BigButton { objectName: "retryButton"; visible: view.v.canRetry === true; primary: false
                        text: view.v.retryText || ""; onClicked: view.ctl.tap("retry", null) }
            BigButton { objectName: "doneHome"
                        text: view.ctl ? view.ctl.s["done.home"] : ""; onClicked: view.ctl.tap("home", null) }
        }
    }
    // 好差评 later on a phone (not rated here): the same link as the receipt's second QR code, and its code
    Column {
        id: ratePanel
        visible: !!view.v.rateQr
        anchors { right: parent.right; rightMargin: 20; verticalCenter: parent.verticalCenter }
        width: assist.elderly ? 330 : 300
        spacing: 12
        Image { objectName: "rateQr"; anchors.horizontalCenter: parent.horizontalCenter
                width: 220; height: 220; smooth: false; fillMode: Image.PreserveAspectFit
                source: view.v.rateQr || "" }
        Text { objectName: "rateLater"; width: parent.width; horizontalAlignment: Text.AlignHCenter; wrapMode: Text.Wrap
               text: view.v.rateLater || ""
               font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 24; color: "#1b2733" }
    }
}
