import QtQuick

// Large digit keypad for numbers, amounts, phone, card and case numbers (no system keyboard needed).
Grid {
    id: pad
    property var ctl
    columns: 3
    spacing: 12
    // five rows of keys fit the height it is given (above Back / Next), at most 80 px each
    readonly property real keyHeight: height > 0 ? Math.min(80, (height - 4 * spacing) / 5) : 80
    Repeater {
        model: ["1", "2", "3", "4", "5", "6", "7", "8", "9", "X", "0", "."]
        BigButton {
            required property var modelData
            objectName: "key_" + modelData
            primary: false; implicitWidth: 120; height: pad.keyHeight; fontSize: 36
            text: modelData
            onClicked: pad.ctl.tap("key", modelData)
        }
    }
    BigButton { objectName: "key_clear"; primary: false; implicitWidth: 120; height: pad.keyHeight; fontSize: 24
                text: pad.ctl ? pad.ctl.s["form.clear"] : ""; onClicked: pad.ctl.tap("key", "clear") }
    BigButton { objectName: "key_back"; primary: false; implicitWidth: 120; height: pad.keyHeight; fontSize: 24
                text: pad.ctl ? pad.ctl.s["form.backspace"] : ""; onClicked: pad.ctl.tap("key", "back") }
}
