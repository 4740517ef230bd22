import QtQuick

// Colours and sizes in one place. Sizes are for the 1280x800 base canvas, scaled to the screen.
QtObject {
    readonly property color primary: "#0b4f9c"
    readonly property color primaryDark: "#083a73"
    readonly property color accent: "#e8a317"
    readonly property color bg: "#eef3f9"
    readonly property color card: "#ffffff"
    readonly property color text: "#1b2733"
    readonly property color muted: "#5b6b7c"
    readonly property color danger: "#c0392b"
    readonly property color ok: "#1e8e3e"
    readonly property string font: "WenQuanYi Micro Hei"
    readonly property int title: 40
    readonly property int large: 32
    readonly property int body: 26
    readonly property int small: 22
    readonly property int buttonHeight: 88
    readonly property int radius: 14
}
