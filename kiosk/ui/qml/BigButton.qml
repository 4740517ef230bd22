import QtQuick

// A large touch target (at least 88 px high on the base canvas) with clear pressed feedback.
Rectangle {
    id: button
    property alias text: label.text
    property bool primary: true
    property bool danger: false
    property int fontSize: 30
    signal clicked()
    implicitWidth: Math.max(260, label.implicitWidth + 64)
    implicitHeight: 88
    radius: 14
    color: !enabled ? "#b8c2cc" : danger ? (tap.pressed ? "#962d22" : "#c0392b")
                     : primary ? (tap.pressed ? "#083a73" : "#0b4f9c") : (tap.pressed ? "#d7e3f1" : "#ffffff")
    border.color: primary || danger ? "transparent" : "#0b4f9c"
    border.width: 3
    Text {
        id: label
        anchors.centerIn: parent
        width: parent.width - 24
        horizontalAlignment: Text.AlignHCenter
        wrapMode: Text.WordWrap
        font.family: "WenQuanYi Micro Hei"
        font.pixelSize: button.fontSize
        font.bold: true
        color: button.primary || button.danger ? "white" : "#0b4f9c"
    }
    // Forgiving for elderly fingers: a slow press (long press) counts, and so does a finger that drifts
    // while pressing, as long as it is lifted on the button.
    TapHandler {
        id: tap
        gesturePolicy: TapHandler.ReleaseWithinBounds
        onTapped: button.clicked()
        onLongPressed: button.clicked()
    }
}
