import QtQuick

// One screen class per step type; the step's view model comes from ctl.view.
Item {
    id: screen
    property var ctl
    property var v: ctl ? ctl.view : ({})
    Text {
        id: heading
        objectName: "stepTitle"
        anchors { left: parent.left; right: parent.right; top: parent.top; margins: 28 }
        text: screen.v.title || ""
        font.family: "WenQuanYi Micro Hei"; font.pixelSize: 40; font.bold: true; color: "#1b2733"
        elide: Text.ElideRight
    }
    Text {
        anchors { right: parent.right; top: parent.top; margins: 34 }
        text: screen.v.flowTitle || ""
        font.family: "WenQuanYi Micro Hei"; font.pixelSize: 22; color: "#5b6b7c"
    }
    Loader {
        id: body
        objectName: "step_" + (screen.v.stepType || "")
        anchors { left: parent.left; right: parent.right; top: heading.bottom; bottom: parent.bottom; margins: 28; topMargin: 18 }
        source: ({ identify: "IdentifyView.qml", confirm_identity: "ConfirmView.qml", form: "FormView.qml",
                   query: "BusyView.qml", print: "BusyView.qml", preview: "PreviewView.qml", notice: "NoticeView.qml",
                   rate: "RateView.qml", finish: "DoneView.qml", commitment: "CommitmentView.qml" })[screen.v.stepType] || "NoticeView.qml"
        onLoaded: item.ctl = screen.ctl
    }
}
