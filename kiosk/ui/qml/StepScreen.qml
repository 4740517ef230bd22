import QtQuick

// One screen class per step type; the step's view model comes from ctl.view.
Item {
    id: screen
    property var ctl
    property var v: ctl ? ctl.view : ({})
    // The on-screen keyboard takes half of the 800 px canvas and the screen is pushed up above it (Main.qml):
    // while it is up, the header keeps only a one-line title, so the field being typed in still fits between
    // the title and the keyboard in both standard and elderly sizes (the "where am I" line comes back with
    // the keyboard's closing).
    readonly property bool typing: Qt.inputMethod.visible
    // where am I: 第2步 / 共4步 · the expected time, and the service's name (kiosk/ui/assist_view.py)
    Text {
        id: progressLine
        objectName: "stepProgress"
        visible: !screen.typing
        height: visible ? implicitHeight : 0
        anchors { left: parent.left; top: parent.top; leftMargin: 28; topMargin: screen.typing ? 8 : 16 }
        // the card screen (before a service is chosen) has neither: no lone "·"
        text: [assist.progress.stepOf || "", assist.progress.minutes || ""].filter(function (t) { return t !== "" }).join("  ·  ")
        font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 24; font.bold: true; color: "#0b4f9c"
    }
    Text {
        visible: !screen.typing
        anchors { right: parent.right; left: progressLine.right; baseline: progressLine.baseline; rightMargin: 34; leftMargin: 24 }
        horizontalAlignment: Text.AlignRight; elide: Text.ElideRight
        text: screen.v.flowTitle || ""
        font.family: "WenQuanYi Micro Hei"; font.pixelSize: assist.elderly ? 40 : 24; color: "#4a5663"
    }
    Text {
        id: heading
        objectName: "stepTitle"
        anchors { left: parent.left; right: parent.right; top: progressLine.bottom; leftMargin: 28; rightMargin: 28; topMargin: screen.typing ? 0 : 6 }
        text: screen.v.title || ""
        font.family: "WenQuanYi Micro Hei"; font.pixelSize: screen.typing ? (assist.elderly ? 40 : 28) : (assist.elderly ? 52 : 40); font.bold: true; color: "#1b2733"
        elide: Text.ElideRight
    }
    Loader {
        id: body
        objectName: "step_" + (screen.v.stepType || "")
        anchors { left: parent.left; right: parent.right; top: heading.bottom; bottom: parent.bottom; margins: 28
                  topMargin: screen.typing ? 8 : 18; bottomMargin: screen.typing ? 8 : 28 }
        source: ({ identify: "IdentifyView.qml", confirm_identity: "ConfirmView.qml", form: "FormView.qml",
                   query: "BusyView.qml", print: "BusyView.qml", preview: "PreviewView.qml", notice: "NoticeView.qml",
                   rate: "RateView.qml", finish: "DoneView.qml", commitment: "CommitmentView.qml" })[screen.v.stepType] || "NoticeView.qml"
        onLoaded: item.ctl = screen.ctl
    }
}
